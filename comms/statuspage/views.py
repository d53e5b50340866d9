"""The public status page: HTML, the Statuspage-compatible JSON API, the feeds, and the subscriber
links. No login anywhere; a disabled or unknown page is the same 404 everywhere.

Answers are cached a few seconds per (org, endpoint) so a herd of widgets costs one query set; every
answer has an ``ETag`` and ``Last-Modified`` and a conditional GET gets a 304. Subscriber links are
signed (``signing``): a GET only shows a page with a button, the POST changes something (mail
scanners fetch GET links). The signed token is the credential, hence no CSRF token on these forms."""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from comms import conf
from comms.statuspage import feeds, selectors, signing
from comms.statuspage.enums import ENDPOINTS, Indicator
from comms.statuspage.publish import Builder
from comms.statuspage.services import page as page_services
from comms.statuspage.services import subscribers
from tenancy.errors import ApplicationError

GET_HEAD = require_http_methods(["GET", "HEAD"])
MISSING = "missing"


@dataclass
class Answer:
    body: bytes
    content_type: str
    etag: str
    last_modified: float


def _page_or_404(org_slug: str):
    page = selectors.enabled_page(org_slug)
    if page is None:
        raise Http404("No status page here.")
    return page


def _cached(org_slug: str, name: str, build) -> Answer:
    key = page_services.cache_key(org_slug, name)
    answer = cache.get(key)
    if answer is None:
        page = selectors.enabled_page(org_slug)
        answer = MISSING if page is None else build(page)
        if settings.STATUSPAGE_CACHE_SECONDS > 0:
            cache.set(key, answer, settings.STATUSPAGE_CACHE_SECONDS)
    if answer == MISSING:
        raise Http404("No status page here.")
    return answer


def _answer(body: bytes, content_type: str, updated_at) -> Answer:
    return Answer(body=body, content_type=content_type, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
                  last_modified=int(updated_at.timestamp()))


def _not_modified(request, answer: Answer) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return answer.etag in tags or "*" in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and answer.last_modified <= since


def _respond(request, answer: Answer, *, cors: bool = True) -> HttpResponse:
    response = HttpResponseNotModified() if _not_modified(request, answer) else HttpResponse(
        b"" if request.method == "HEAD" else answer.body, content_type=answer.content_type)
    if request.method == "HEAD" and response.status_code == 200:
        response["Content-Length"] = str(len(answer.body))
    response["ETag"] = answer.etag
    response["Last-Modified"] = http_date(answer.last_modified)
    response["Cache-Control"] = f"public, max-age={max(settings.STATUSPAGE_CACHE_SECONDS, 0)}"
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response


@GET_HEAD
def api_endpoint(request, org_slug: str, name: str):
    """``/status/<org_slug>/api/v2/<name>.json``: Atlassian Statuspage's public API v2, same fields."""
    if name not in ENDPOINTS:
        raise Http404("Unknown endpoint.")

    def build(page):
        state = selectors.page_state(page)
        body = json.dumps(Builder(state).endpoint(name), ensure_ascii=False).encode()
        return _answer(body, "application/json", state.updated_at)

    return _respond(request, _cached(org_slug, name, build))


@GET_HEAD
def history_feed(request, org_slug: str, kind: str):
    """``history.atom`` / ``history.rss``."""
    feed_url = conf.base_url() + request.path

    def build(page):
        state = selectors.page_state(page)
        feed = feeds.build(state, kind, feed_url)
        return _answer(feed.writeString("utf-8").encode(), f"{feed.content_type}", state.updated_at)

    return _respond(request, _cached(org_slug, kind, build))


@GET_HEAD
def home(request, org_slug: str):
    """The page itself: readable without JavaScript, CSS served by the app."""

    def build(page):
        state = selectors.page_state(page, with_uptime=True)
        context = _page_context(request, page, state)
        body = render(request, "statuspage/page.html", context).content
        return _answer(body, "text/html; charset=utf-8", state.updated_at)

    return _respond(request, _cached(org_slug, "html", build), cors=False)


def _page_context(request, page, state) -> dict:
    builder = Builder(state)
    rows = []
    for component in state.visible_components():
        if component.group_id:
            continue
        days = state.uptime.get(component.pk, [])
        children = [c for c in state.visible_components() if c.group_id == component.pk]
        rows.append({"component": component, "children": children, "days": days,
                     "uptime": selectors.uptime_percent(days)})
    slug = page.organization.slug
    return {"page": page, "name": builder.page_json()["name"], "state": state, "rows": rows,
            "indicator": state.indicator, "indicator_label": Indicator(state.indicator).label,
            "open_incidents": state.unresolved(),
            "past_incidents": [i for i in state.incidents if not i.is_open],
            "active": state.active(), "upcoming": state.upcoming(),
            "components": [c for c in state.components if not c.child_ids],
            "subscribe_url": reverse("statuspage-subscribe", kwargs={"org_slug": slug}),
            "atom_url": reverse("statuspage-feed", kwargs={"org_slug": slug, "kind": "atom"}),
            "rss_url": reverse("statuspage-feed", kwargs={"org_slug": slug, "kind": "rss"}),
            "api_url": reverse("statuspage-api", kwargs={"org_slug": slug, "name": "summary"})}


# --- subscribers ---------------------------------------------------------------------------------------

def _wants_json(request) -> bool:
    return request.content_type == "application/json"


def _signup_input(request) -> tuple[str, list]:
    if _wants_json(request):
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise ApplicationError("The body is not JSON.", {"body": ["Send a JSON object."]}) from exc
        if not isinstance(data, dict):
            raise ApplicationError("The body is not a JSON object.", {"body": ["Send a JSON object."]})
        components = data.get("components") or []
        if not isinstance(components, list):
            raise ApplicationError("components is a list.", {"components": ["A list of component ids."]})
        return str(data.get("email") or ""), components
    return request.POST.get("email", ""), request.POST.getlist("components")


def _message(request, page, title: str, text: str, status: int = 200, **extra) -> HttpResponse:
    context = {"page": page, "name": page.title or page.organization.name, "title": title, "text": text,
               "home_url": reverse("statuspage-home", kwargs={"org_slug": page.organization.slug}), **extra}
    return render(request, "statuspage/message.html", context, status=status)


@csrf_exempt
@require_http_methods(["POST"])
def subscribe(request, org_slug: str):
    """Email sign-up (form or JSON ``{"email", "components": [ids]}``): mails a confirmation link."""
    page = _page_or_404(org_slug)
    try:
        email, components = _signup_input(request)
        subscribers.subscriber_signup(organization=page.organization, email=email, components=components,
                                      ip=request.META.get("REMOTE_ADDR", ""))
    except ApplicationError as exc:
        if _wants_json(request):
            return JsonResponse({"message": exc.message, "errors": exc.errors}, status=exc.status_code)
        return _message(request, page, "Sign-up not accepted", exc.message, status=exc.status_code)
    text = "If the address can receive mail, a confirmation link is on its way. Nothing is sent until you confirm."
    if _wants_json(request):
        return JsonResponse({"message": text}, status=202)
    return _message(request, page, "Check your inbox", text, status=202)


def _subscriber_or_404(page, token: str, purpose: str):
    subscriber = signing.read(token, purpose, organization_id=page.organization_id)
    if subscriber is None:
        raise Http404("This link is not valid (any more).")
    return subscriber


def _masked(email: str) -> str:
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, org_slug: str, token: str):
    page = _page_or_404(org_slug)
    subscriber = _subscriber_or_404(page, token, signing.CONFIRM)
    if request.method == "GET":
        return render(request, "statuspage/confirm.html", {"page": page, "name": page.title or page.organization.name,
                                                           "address": _masked(subscriber.email)})
    subscriber = subscribers.subscriber_confirm(subscriber=subscriber)
    return _message(request, page, "Subscribed", "You will get an email when we post an update.",
                    manage_url=signing.manage_url(subscriber))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def manage(request, org_slug: str, token: str):
    """Change the components, or unsubscribe. The token names one subscriber of this page only."""
    page = _page_or_404(org_slug)
    subscriber = _subscriber_or_404(page, token, signing.MANAGE)
    if request.method == "POST":
        if request.POST.get("action") == "unsubscribe":
            subscribers.subscriber_unsubscribe(subscriber=subscriber)
            return _message(request, page, "Unsubscribed", "You will get no more email from this page.")
        try:
            subscribers.subscriber_set_components(subscriber=subscriber,
                                                  components=request.POST.getlist("components"))
        except ApplicationError as exc:
            return _message(request, page, "Not saved", exc.message, status=exc.status_code)
    chosen = set(subscriber.components.values_list("public_id", flat=True))
    components = selectors.component_list(organization=page.organization)
    return render(request, "statuspage/manage.html", {
        "page": page, "name": page.title or page.organization.name, "address": _masked(subscriber.email),
        "components": components, "chosen": chosen, "saved": request.method == "POST"})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, org_slug: str, token: str):
    """RFC 8058 one-click target (``List-Unsubscribe-Post: List-Unsubscribe=One-Click``); a GET asks first."""
    page = _page_or_404(org_slug)
    subscriber = _subscriber_or_404(page, token, signing.MANAGE)
    if request.method == "GET":
        return render(request, "statuspage/unsubscribe.html", {"page": page, "address": _masked(subscriber.email),
                                                               "name": page.title or page.organization.name})
    subscribers.subscriber_unsubscribe(subscriber=subscriber)
    return _message(request, page, "Unsubscribed", "You will get no more email from this page.")
