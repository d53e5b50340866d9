"""The Slack endpoints: ``/integrations/slack/{install,oauth/callback,events,interactivity,commands}``.

They verify (``chatops.verify``), store what the worker must do, and answer within Slack's three
seconds. Only modals are opened here: a ``trigger_id`` lives three seconds, too short for a queue."""

import json
import logging
import uuid

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from comms.chatops import interactions, verify
from comms.chatops.services import commands, inbound, install
from tenancy.errors import ApplicationError
from tenancy.models import Organization

logger = logging.getLogger(__name__)
EVENT_KINDS = {"pin_added", "reaction_added", *inbound.UNINSTALL_EVENTS}


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("slack-oauth-callback"))


@require_GET
def slack_install(request):
    """An org admin (logged in) starts the install: redirect to Slack's consent page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    organization = Organization.objects.filter(slug=request.GET.get("org", "")).first()
    if organization is None or not install._is_admin(organization.pk, request.user):
        return HttpResponse("Only an admin of the organization can install the Slack app.", status=403)
    return redirect(install.install_url(organization=organization, user=request.user,
                                        redirect_uri=_callback_url(request)))


@require_GET
def slack_oauth_callback(request):
    if request.GET.get("error"):
        return HttpResponse(f"Slack install cancelled: {request.GET['error']}", status=400, content_type="text/plain")
    try:
        workspace = install.slack_oauth_complete(state=request.GET.get("state", ""), code=request.GET.get("code", ""),
                                                 user=request.user, redirect_uri=_callback_url(request))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    return HttpResponse(f"Foghorn is installed in the Slack workspace {workspace.team_name or workspace.team_id} "
                        f"for {workspace.organization}.", content_type="text/plain")


def _refused():
    return HttpResponse("Invalid Slack signature or stale timestamp.", status=401, content_type="text/plain")


@csrf_exempt
@require_POST
def slack_events(request):
    """Events API: the URL check, then events stored once per ``event_id`` (Slack retries)."""
    if not verify.verified(request):
        return _refused()
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("Not JSON.")
    if not isinstance(body, dict):
        return HttpResponseBadRequest("Not a JSON object.")
    if body.get("type") == "url_verification":
        return JsonResponse({"challenge": str(body.get("challenge", ""))})
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    workspace = verify.workspace(str(body.get("team_id", "")))
    if body.get("type") == "event_callback" and workspace is not None and event.get("type") in EVENT_KINDS:
        inbound.inbound_store(workspace=workspace, key=f"ev:{body.get('event_id') or event.get('event_ts')}",
                              kind=event["type"], payload=event)
    return HttpResponse(status=200)


def _ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": text})


@csrf_exempt
@require_POST
def slack_commands(request):
    """``/incident <verb> …``: refusals at once; modals opened here; the rest goes to the worker."""
    if not verify.verified(request):
        return _refused()
    form = request.POST
    workspace = verify.workspace(form.get("team_id", ""))
    if workspace is None:
        return _ephemeral("This Slack workspace is not connected to a Foghorn organization.")
    verb, args = commands.split(form.get("text", ""))
    if verb in ("", "help"):
        return _ephemeral(commands.HELP)
    _user, refusal = verify.member_or_refusal(workspace, form.get("user_id", ""))
    if refusal:
        return _ephemeral(refusal)
    if verb in ("declare", "update"):
        return _ephemeral(interactions.open_modal(workspace, verb, args, form.get("trigger_id", ""),
                                                  form.get("channel_id", "")) or "")
    payload = {"verb": verb, "args": args, "channel_id": form.get("channel_id", ""),
               "user_id": form.get("user_id", ""), "response_url": form.get("response_url", "")}
    inbound.inbound_store(workspace=workspace, key=f"cmd:{form.get('trigger_id') or uuid.uuid4().hex}", kind="command",
                          payload=payload)
    return _ephemeral(f"On it: `/incident {verb}`…")


@csrf_exempt
@require_POST
def slack_interactivity(request):
    """Buttons (``block_actions``) and modal submissions (``view_submission``)."""
    if not verify.verified(request):
        return _refused()
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except ValueError:
        return HttpResponseBadRequest("No payload.")
    if not isinstance(payload, dict):
        return HttpResponseBadRequest("Not a JSON object.")
    workspace = verify.workspace(str((payload.get("team") or {}).get("id", "")))
    if workspace is None:
        return HttpResponse(status=200)
    answer = interactions.handle(workspace, payload)
    return JsonResponse(answer) if answer else HttpResponse(status=200)
