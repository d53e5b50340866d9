"""The ingestion endpoints: no session, no CSRF, authenticated by the routing key alone.

Plain Django views, not DRF: the request path is a cached integration lookup, one Redis round
trip (rate limit + cache generation) and one short transaction per event. The 2xx is sent only
after that transaction has committed. Bad input of any kind is a 4xx; a 5xx (503) only means a
transient failure of ours (the database), which senders such as Alertmanager retry.
"""

import base64
import binascii
import functools
import json
import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from incidents import events as incident_events
from incidents.ingestion import keys, ratelimit, selectors, services, sns
from incidents.ingestion.enums import IntegrationKind
from incidents.ingestion.events import PayloadError
from incidents.ingestion.parsers import PARSERS, pagerduty
from incidents.ingestion.parsers.cloudwatch import parse_alarm
from tenancy.errors import ApplicationError

logger = logging.getLogger(__name__)

PATH_KINDS = (IntegrationKind.ALERTMANAGER, IntegrationKind.DATADOG, IntegrationKind.CLOUDWATCH,
              IntegrationKind.WEBHOOK, IntegrationKind.HEARTBEAT)
PD_INVALID = {"status": "invalid event", "message": "Event object is invalid"}
TRANSIENT_RETRY_AFTER = "5"


def max_body() -> int:
    return settings.INGESTION_MAX_BODY_BYTES


def respond(data: dict, status: int, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class Refusal(Exception):
    """Answer ``status`` with ``message``/``errors`` (shaped per endpoint by the caller)."""

    def __init__(self, status: int, message: str, errors=None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors, self.headers = status, message, errors or {}, headers or {}


def read_json(request):
    """The decoded body, or Refusal 413 (too large) / 400 (not JSON). Any content type is read
    as JSON: SNS posts ``text/plain``."""
    raw = _raw_body(request)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refusal(400, "The body is not JSON.", {"body": ["Not valid JSON."]}) from exc
    if not UNSTORABLE_ESCAPE.search(raw):
        return body
    try:
        return clean(body)
    except RecursionError as exc:
        raise Refusal(400, "The body is nested too deeply.", {"body": ["Nested too deeply."]}) from exc


def _too_large() -> Refusal:
    return Refusal(413, f"The body is larger than {max_body()} bytes.", {"body": ["Too large."]})


def _raw_body(request) -> bytes:
    """The body's bytes. A chunked body (``Transfer-Encoding: chunked``, no Content-Length) is read
    from the WSGI input when the server says it ends there (``wsgi.input_terminated``, as gunicorn
    does): Django reads no body without a length."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body():
        raise _too_large()
    if not length and request.META.get("wsgi.input_terminated") and "chunked" in request.META.get(
            "HTTP_TRANSFER_ENCODING", "").lower():
        raw = request.META["wsgi.input"].read(max_body() + 1)
    else:
        try:
            raw = request.body
        except RequestDataTooBig as exc:
            raise _too_large() from exc
    if len(raw) > max_body():
        raise _too_large()
    return raw


# JSON may escape characters PostgreSQL cannot store in text or jsonb: NUL and lone surrogates.
UNSTORABLE_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def clean(value):
    """The body with NUL characters dropped and lone surrogates replaced, so what a monitor
    sends is stored rather than refused (or worse, failing in the database)."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): clean(item) for key, item in value.items()}
    return value


def _unknown_key() -> Refusal:
    return Refusal(404, "Unknown routing key.", {"routing_key": ["Unknown routing key."]})


def admit(routing_key, kind: str) -> selectors.CachedIntegration:
    """The enabled integration of this key and kind (as cached) — or a Refusal. An unknown key (or
    one of another kind) says nothing about why."""
    entry = selectors.integration_by_routing_key(routing_key) if keys.looks_like_routing_key(routing_key) else None
    if entry is None:
        raise _unknown_key()
    _check_usable(entry.integration, kind)
    return entry


def _check_usable(integration, kind: str) -> None:
    if integration.kind != kind:
        raise _unknown_key()
    if not integration.enabled:
        raise Refusal(403, "This integration is disabled.", {"routing_key": ["The integration is disabled."]})


def _check_cap(alerts: int) -> None:
    cap = settings.INGESTION_MAX_ALERTS_PER_REQUEST
    if alerts > cap:
        raise Refusal(413, f"{alerts} alerts in one request: at most {cap} are accepted.",
                      {"alerts": [f"At most {cap} alerts a request (INGESTION_MAX_ALERTS_PER_REQUEST); "
                                  f"Alertmanager: set max_alerts in webhook_configs."]})


def throttle(entry: selectors.CachedIntegration, routing_key: str, alerts: int = 1) -> selectors.CachedIntegration:
    """Take ``alerts`` tokens of the integration's rate limit (every alert counts, however many one
    request carries) or refuse the request: 413 beyond ``INGESTION_MAX_ALERTS_PER_REQUEST``, 429
    beyond the burst or the tokens left. The same Redis round trip says whether the cached
    integration is stale; if so it is read again (and checked again)."""
    integration = entry.integration
    _check_cap(alerts)
    if alerts > integration.rate_limit_burst:
        raise Refusal(429, f"{alerts} alerts in one request, more than this integration's burst.",
                      {"rate_limit": [f"At most {integration.rate_limit_burst} alerts at once (rate_limit_burst), "
                                      f"{integration.rate_limit_per_minute} a minute."]})
    decision = ratelimit.take(integration.pk, per_minute=integration.rate_limit_per_minute,
                              burst=integration.rate_limit_burst, cost=max(alerts, 1))
    if decision.known and decision.generation != entry.generation:
        if not entry.fresh:
            kind = integration.kind
            entry = selectors.integration_by_routing_key(routing_key, refresh=True)
            if entry is None:
                raise _unknown_key()
            _check_usable(entry.integration, kind)
        entry.generation = decision.generation
    entry.fresh = False
    if not decision.allowed:
        raise Refusal(429, "Too many events: over this integration's rate limit.",
                      {"rate_limit": [f"{integration.rate_limit_per_minute} alerts a minute, "
                                      f"burst {integration.rate_limit_burst}."]},
                      headers={"Retry-After": str(decision.retry_after)})
    return entry


def ingest(entry: selectors.CachedIntegration, events, *, sns_message_id: str | None = None) -> list:
    """Apply the events: one alone is its own transaction (a join: one statement); several (an
    Alertmanager group) or an SNS message (with its MessageId) are one, so the request is all or
    nothing and commits once. A database failure is a Refusal 503 (retry later)."""
    integration, window_id = entry.integration, entry.active_window_id(timezone.now())
    try:
        if sns_message_id is not None:
            return services.sns_notification_ingest(integration=integration, message_id=sns_message_id,
                                                    events=events, window_id=window_id)
        if len(events) == 1:
            return [services.alert_ingest(integration=integration, event=events[0], window_id=window_id)]
        return services.alerts_ingest(integration=integration, events=events, window_id=window_id)
    except ApplicationError as exc:
        raise Refusal(exc.status_code if 400 <= exc.status_code < 500 else 400, exc.message, exc.errors) from exc
    except DataError as exc:  # a value the database cannot hold: bad input, nothing written
        message = str(exc).splitlines()[0][:200] if str(exc) else "Invalid value."
        raise Refusal(400, "A value in the event cannot be stored.", {"body": [message]}) from exc
    except DatabaseError as exc:
        logger.warning("ingestion failed on the database", extra={"integration_id": integration.pk},
                       exc_info=True)
        raise Refusal(503, "Temporarily unavailable, retry later.", headers={
            "Retry-After": TRANSIENT_RETRY_AFTER}) from exc


def dispatch_in_background(view):
    """Once the alert is committed, the answer never waits on the broker: the outbox's dispatch
    messages go through this process's publisher thread (``incidents.events``), and the sweeper
    re-drives what a hung or lost broker never got."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with incident_events.dispatch_in_background():
            return view(request, *args, **kwargs)

    return wrapped


@csrf_exempt
@require_http_methods(["POST"])
@dispatch_in_background
def enqueue(request):
    """POST /v2/enqueue — PagerDuty Events API v2."""
    try:
        body = read_json(request)
        routing_key = pagerduty.routing_key_of(body)
        entry = admit(routing_key, IntegrationKind.PAGERDUTY_V2)
        events = pagerduty.parse(body)
        outcomes = ingest(throttle(entry, routing_key), events)
    except PayloadError as exc:
        return respond({**PD_INVALID, "errors": exc.as_list()}, 400)
    except Refusal as exc:
        return _pagerduty_refusal(exc)
    return respond({"status": "success", "message": "Event processed", "dedup_key": outcomes[0].dedup_key}, 202)


@csrf_exempt
@require_http_methods(["POST"])
def change_enqueue(request):
    """POST /v2/change/enqueue — PagerDuty Change Events: stored on the integration's service and
    shown on its incidents (``recent_changes``); no incident, no page."""
    try:
        body = read_json(request)
        routing_key = pagerduty.routing_key_of(body)
        entry = admit(routing_key, IntegrationKind.PAGERDUTY_V2)
        change = pagerduty.parse_change(body)
        entry = throttle(entry, routing_key)
        try:
            services.change_ingest(integration=entry.integration, change=change)
        except DataError as exc:
            raise Refusal(400, "A value in the event cannot be stored.", {"body": [str(exc).splitlines()[0][:200]]}
                          ) from exc
        except DatabaseError as exc:
            raise Refusal(503, "Temporarily unavailable, retry later.",
                          headers={"Retry-After": TRANSIENT_RETRY_AFTER}) from exc
    except PayloadError as exc:
        return respond({**PD_INVALID, "errors": exc.as_list()}, 400)
    except Refusal as exc:
        return _pagerduty_refusal(exc)
    return respond({"status": "success", "message": "Change event processed"}, 202)


def _pagerduty_refusal(exc: Refusal) -> HttpResponse:
    if exc.status == 429:
        return respond({"status": "throttle event", "message": "Requests for this service are arriving too quickly. "
                        "Please retry later.", "errors": ["Too many requests"]}, 429, exc.headers)
    if exc.status >= 500:
        return respond({"status": "error", "message": exc.message, "errors": [exc.message]}, exc.status, exc.headers)
    if exc.status == 404:
        return respond({**PD_INVALID, "errors": ["Invalid routing key"]}, 400)
    messages = [text for texts in exc.errors.values() for text in texts] if isinstance(exc.errors, dict) else []
    status = 413 if exc.status == 413 else 400
    return respond({**PD_INVALID, "errors": messages or [exc.message]}, status)


def _check_basic_auth(request, integration) -> None:
    if not integration.basic_auth_username:
        return
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    try:
        username, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        username = password = None
    if scheme.lower() != "basic" or username is None or not services.basic_auth_matches(
            integration, username, password):
        raise Refusal(401, "Basic authentication required.", {"authorization": ["Wrong or missing credentials."]},
                      headers={"WWW-Authenticate": 'Basic realm="foghorn"'})


def _success(outcomes, **extra) -> HttpResponse:
    body = {"status": "success", "message": "Event processed", **extra}
    if len(outcomes) == 1:
        body["dedup_key"] = outcomes[0].dedup_key
    body["events"] = [{"dedup_key": outcome.dedup_key, "result": outcome.result} for outcome in outcomes]
    return respond(body, 202)


def _payload_events(request, entry, kind: str, routing_key: str) -> HttpResponse:
    _check_basic_auth(request, entry.integration)
    body = read_json(request)
    if kind == IntegrationKind.CLOUDWATCH:
        return _cloudwatch(request, throttle(entry, routing_key), body)
    if kind == IntegrationKind.ALERTMANAGER and isinstance(body, dict) and isinstance(body.get("alerts"), list):
        _check_cap(len(body["alerts"]))  # an oversized group is refused before it is parsed
    events = PARSERS[kind](body)
    return _success(ingest(throttle(entry, routing_key, len(events)), events))


def _heartbeat(request, entry, routing_key: str) -> HttpResponse:
    _check_basic_auth(request, entry.integration)
    entry = throttle(entry, routing_key)
    try:
        services.heartbeat_beat(integration=entry.integration, window_id=entry.active_window_id(timezone.now()))
    except DatabaseError as exc:
        raise Refusal(503, "Temporarily unavailable, retry later.",
                      headers={"Retry-After": TRANSIENT_RETRY_AFTER}) from exc
    return respond({"status": "success", "message": "Beat recorded"}, 200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@dispatch_in_background
def integration_event(request, kind: str, routing_key: str):
    """POST /integrations/v1/<kind>/<routing_key>/ (heartbeats: GET or POST)."""
    try:
        if kind not in PATH_KINDS:
            raise Refusal(404, f"Unknown integration kind '{kind[:40]}'.",
                          {"kind": [f"One of: {', '.join(PATH_KINDS)}."]})
        if request.method == "GET" and kind != IntegrationKind.HEARTBEAT:
            raise Refusal(405, "Use POST.", headers={"Allow": "POST"})
        entry = admit(routing_key, kind)
        if kind == IntegrationKind.HEARTBEAT:
            return _heartbeat(request, entry, routing_key)
        return _payload_events(request, entry, kind, routing_key)
    except PayloadError as exc:
        return respond({"message": exc.message, "errors": exc.errors}, 400)
    except Refusal as exc:
        return respond({"message": exc.message, "errors": exc.errors}, exc.status, exc.headers)


def _cloudwatch(request, entry, message) -> HttpResponse:
    """Amazon SNS delivering CloudWatch alarms (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.html)."""
    header_type = request.META.get("HTTP_X_AMZ_SNS_MESSAGE_TYPE")
    if not isinstance(message, dict) or (header_type and header_type != message.get("Type")):
        raise Refusal(400, "Not an SNS message.", {"x-amz-sns-message-type": ["Does not match the body's Type."]})
    try:
        sns.verify(message)
    except sns.SnsError as exc:
        raise Refusal(403, f"SNS signature verification failed: {exc}", {"Signature": [str(exc)]}) from exc
    except sns.SnsUnavailable as exc:
        raise Refusal(503, str(exc), headers={"Retry-After": TRANSIENT_RETRY_AFTER}) from exc
    integration = entry.integration
    if integration.sns_topic_arn and message["TopicArn"] != integration.sns_topic_arn:
        raise Refusal(403, "This integration is subscribed to another SNS topic.", {"TopicArn": ["Unexpected topic."]})
    if message["Type"] == "SubscriptionConfirmation":
        return _sns_confirm(integration, message)
    if message["Type"] == "UnsubscribeConfirmation":
        return respond({"status": "success", "message": "Unsubscribe noted"}, 200)
    events = parse_alarm(message["Message"])
    outcomes = ingest(entry, events, sns_message_id=message["MessageId"])
    if outcomes is None:
        return respond({"status": "success", "message": "Duplicate message", "events": []}, 200)
    return _success(outcomes)


def _sns_confirm(integration, message) -> HttpResponse:
    try:
        sns.confirm_subscription(message)
    except sns.SnsError as exc:
        raise Refusal(400, str(exc), {"SubscribeURL": [str(exc)]}) from exc
    except sns.SnsUnavailable as exc:
        raise Refusal(503, str(exc), headers={"Retry-After": TRANSIENT_RETRY_AFTER}) from exc
    services.integration_sns_confirmed(integration=integration, topic_arn=message["TopicArn"])
    return respond({"status": "success", "message": "Subscription confirmed"}, 200)
