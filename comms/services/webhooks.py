"""Outbound org webhooks: incident events (and others apps', e.g. action items) POSTed to the org's
endpoints, signed, retried, in order.

Each (endpoint, timeline event) is one ``WebhookDelivery`` row with its own idempotency id
(``X-Foghorn-Delivery``). A row is only sent once every earlier row of the same endpoint and
incident is delivered or given up, so receivers see an incident's events in order. Failures
retry on ``conf.webhook_retry_schedule()`` (about 20 minutes in all), then the row is given up."""

import json
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from comms import conf, nudge
from comms.channels import base
from comms.channels.webhook import signed_headers
from comms.enums import DeliveryState, WebhookEvent
from comms.models import WebhookDelivery, WebhookEndpoint
from comms.services import circuits
from incidents.enums import IncidentStatus, TimelineKind

logger = logging.getLogger(__name__)
D = DeliveryState
BATCH = 200

EVENT_FOR_KIND = {
    TimelineKind.INCIDENT_CREATED: WebhookEvent.TRIGGERED,
    TimelineKind.ACKNOWLEDGED: WebhookEvent.ACKNOWLEDGED,
    TimelineKind.STATUS_CHANGED: WebhookEvent.STATUS_CHANGED,
    TimelineKind.REOPENED: WebhookEvent.STATUS_CHANGED,
    TimelineKind.CLOSED: WebhookEvent.STATUS_CHANGED,
    TimelineKind.RESOLVED: WebhookEvent.RESOLVED,
}


def _event_name(event) -> str | None:
    if event.kind == TimelineKind.STATUS_CHANGED and (event.payload or {}).get("to") == IncidentStatus.ACKNOWLEDGED:
        return WebhookEvent.ACKNOWLEDGED
    return EVENT_FOR_KIND.get(event.kind)


def _payload(event, name: str, delivery_id) -> dict:
    incident = event.incident
    return {
        "id": str(delivery_id),
        "event": name,
        "occurred_at": event.at.isoformat(),
        "organization": incident.organization.slug,
        "incident": {"id": incident.pk, "number": incident.number, "title": incident.title,
                     "status": incident.status, "severity": incident.severity.name,
                     "service": incident.service.name if incident.service_id else None,
                     "detected_at": incident.detected_at.isoformat()},
        "data": event.payload or {},
    }


@transaction.atomic
def webhook_deliveries_create(*, event) -> int:
    """Queue the event for every active endpoint of its org that wants it. Idempotent per (endpoint, event)."""
    name = _event_name(event)
    if name is None:
        return 0
    created_count = 0
    now = timezone.now()
    for endpoint in WebhookEndpoint.objects.filter(organization_id=event.organization_id, is_active=True):
        if endpoint.events and name not in endpoint.events:
            continue
        delivery = WebhookDelivery(organization_id=event.organization_id, endpoint=endpoint,
                                   incident_id=event.incident_id, timeline_event_id=event.pk, event=name,
                                   next_attempt_at=now, nudged_at=now)
        delivery.payload = _payload(event, name, delivery.delivery_id)
        _row, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, timeline_event_id=event.pk,
            defaults={field: getattr(delivery, field) for field in (
                "organization_id", "incident_id", "event", "next_attempt_at", "nudged_at", "payload", "delivery_id")})
        if created:
            created_count += 1
            nudge.webhook_on_commit(_row.pk)
    return created_count


@transaction.atomic
def webhook_event_publish(*, organization_id: int, event: str, subject: str, key: str, data: dict,
                          occurred_at: datetime | None = None) -> int:
    """Queue a non-incident event (e.g. ``action_item.updated`` about ``action_item:42``) for every active
    endpoint of the org that wants it, signed and retried like incident events and delivered in order
    per subject. ``key`` makes it idempotent: one delivery per (endpoint, key). Returns how many were queued."""
    created_count = 0
    now = timezone.now()
    for endpoint in WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True):
        if endpoint.events and event not in endpoint.events:
            continue
        delivery = WebhookDelivery(organization_id=organization_id, endpoint=endpoint, subject=subject,
                                   event_key=key, event=event, next_attempt_at=now, nudged_at=now)
        delivery.payload = {"id": str(delivery.delivery_id), "event": event,
                            "occurred_at": (occurred_at or now).isoformat(), "subject": subject, "data": data}
        row, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, event_key=key,
            defaults={field: getattr(delivery, field) for field in (
                "organization_id", "subject", "event", "next_attempt_at", "nudged_at", "payload", "delivery_id")})
        if created:
            created_count += 1
            nudge.webhook_on_commit(row.pk)
    return created_count


def _in_line(delivery: WebhookDelivery):
    """The deliveries of the same endpoint and incident (or subject), in their order."""
    line = WebhookDelivery.objects.filter(endpoint_id=delivery.endpoint_id, state=D.PENDING)
    if delivery.timeline_event_id is None:
        return line.filter(incident__isnull=True, subject=delivery.subject), "pk"
    return line.filter(incident_id=delivery.incident_id), "timeline_event_id"


def _earlier_pending(delivery: WebhookDelivery) -> bool:
    line, order = _in_line(delivery)
    return line.filter(**{f"{order}__lt": getattr(delivery, order)}).exists()


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("endpoint").filter(pk=delivery_id).first())
        if delivery is None or delivery.state != D.PENDING or delivery.next_attempt_at > now:
            return None
        if _earlier_pending(delivery):
            return None  # sent when the earlier one is done (it nudges us)
        delivery.attempts += 1
        # Claimed: nobody else sends it until this lease passes (a killed worker's row is retried then).
        delivery.next_attempt_at = now + timedelta(seconds=conf.send_lease_seconds())
        delivery.save()
        return delivery


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> str:
    """POST one delivery if it is due and first in line. Returns ``delivered``, ``retry``, ``failed``, ``noop``,
    or ``busy`` / ``slow`` when its organization has its share of sends in flight in this process (see
    ``delivery.notification_deliver``)."""
    organization_id = (WebhookDelivery.objects.filter(pk=delivery_id)
                       .values_list("organization_id", flat=True).first())
    if organization_id is None:
        return "noop"
    with circuits.organization_slot(organization_id) as slot:
        if not slot.granted:
            return "slow" if slot.slow else "busy"
        now = now or timezone.now()
        delivery = _claim(delivery_id, now)
        if delivery is None:
            return "noop"
        return _post(delivery, now)


def _post(delivery: WebhookDelivery, now: datetime) -> str:
    url = delivery.endpoint.url
    until = circuits.circuit_open_until(organization_id=delivery.organization_id, url=url, now=now)
    if until:
        return _record(delivery.pk, None, f"Skipped: the endpoint failed repeatedly; its circuit is open until "
                       f"{until:%H:%M:%S} UTC.", not_before=until)
    body = json.dumps(delivery.payload, sort_keys=True, default=str).encode()
    headers = signed_headers(delivery.endpoint.secret, body, str(delivery.delivery_id))
    headers.update({"X-Foghorn-Delivery": str(delivery.delivery_id), "X-Foghorn-Event": delivery.event})
    status_code, error = None, ""
    try:
        response = base.post(url, data=body, headers=headers)
        status_code = response.status_code
    except base.TransientError as exc:
        status_code, error = exc.status_code, str(exc)
        circuits.circuit_failure(organization_id=delivery.organization_id, url=url, reason=error,
                                 incident=delivery.incident)
    except base.ChannelError as exc:
        status_code, error = exc.status_code, str(exc)
    else:
        circuits.circuit_success(organization_id=delivery.organization_id, url=url)
    return _record(delivery.pk, status_code, error)


@transaction.atomic
def _record(delivery_id: int, status_code: int | None, error: str, not_before: datetime | None = None) -> str:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    now = timezone.now()
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    schedule = conf.webhook_retry_schedule()
    if not error:
        delivery.state, delivery.delivered_at = D.DELIVERED, now
        outcome = "delivered"
    elif delivery.attempts > len(schedule):
        delivery.state = D.FAILED
        outcome = "failed"
        logger.warning("webhook delivery given up", extra={"delivery_id": delivery.pk})
    else:
        delivery.next_attempt_at = max(now + timedelta(seconds=schedule[delivery.attempts - 1]), not_before or now)
        delivery.nudged_at = None
        delivery.save()
        return "retry"
    delivery.save()
    line, order = _in_line(delivery)
    following = line.filter(**{f"{order}__gt": getattr(delivery, order)}).order_by(order).first()
    if following is not None:
        nudge.webhook_on_commit(following.pk)
    return outcome


def webhooks_tick(*, now: datetime | None = None) -> int:
    """Beat: nudge due deliveries that nobody picked up (first of their incident only)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=conf.renudge_seconds())
    with transaction.atomic():
        due = list(WebhookDelivery.objects.select_for_update(skip_locked=True)
                   .filter(state=D.PENDING, next_attempt_at__lte=now).exclude(nudged_at__gt=stale)
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH])
        WebhookDelivery.objects.filter(pk__in=due).update(nudged_at=now)
        for delivery_id in due:
            nudge.webhook_on_commit(delivery_id)
    return len(due)
