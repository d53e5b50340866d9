"""The write path of every received event: dedup into open incidents, resolve, acknowledge.

One transaction per event. The (service, dedup key) slot (``AlertKey``) is created if missing
(``INSERT … ON CONFLICT DO NOTHING`` on its unique constraint) and locked with
``select_for_update``, so concurrent events of one key run one after the other and concurrent
triggers open exactly one incident. The incident row is locked next (always in that order,
so no deadlock) before its alerts are counted, so a trigger and the last resolve of the same
incident cannot both miss each other. Incidents, their count and their timeline change only
through ``incidents.services``: the commonest event, a trigger joining an open incident, is one
statement there (``incident_alert_join``: it grows the incident's count, locking it as the path
above does second, so no deadlock, and writes the alert and the timeline event); an alert joining
an incident this transaction holds goes through ``incident_alert_add``. A new key beyond the
integration's storm threshold joins its alert-storm incident instead of opening one (``storms``).

Every commit is durable before the 202 (``INGESTION_ASYNC_COMMIT_JOINS`` opts joins out).
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.enums import OPEN_STATUSES, IncidentStatus, TimelineKind
from incidents.ingestion.enums import AlertStatus, EventAction
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import Alert, AlertKey, Integration, SnsMessage
from incidents.ingestion.services import storms
from incidents.models import Incident, Severity

logger = logging.getLogger(__name__)
S = IncidentStatus
ALERTS_CLEARED_NOTE = "alerts cleared"


@dataclass(frozen=True)
class Outcome:
    """What an event did: ``result`` is created, joined, grouped (into the alert-storm incident),
    reopened, duplicate, suppressed, resolved, acknowledged, noted or ignored."""

    result: str
    dedup_key: str
    alert_id: int | None = None
    incident_id: int | None = None


def _slot(integration: Integration, dedup_key: str):
    return AlertKey.objects.filter(service_id=integration.service_id, dedup_key=dedup_key)


def _slot_insert(integration: Integration, dedup_key: str) -> None:
    """Create the (service, key) slot unless it exists (its unique constraint). A row this
    transaction inserted is its own until commit; one inserting the same key waits on the unique
    index until then."""
    AlertKey.objects.bulk_create([AlertKey(organization_id=integration.organization_id,
                                           service_id=integration.service_id, dedup_key=dedup_key)],
                                 ignore_conflicts=True)


def _lock_key(integration: Integration, dedup_key: str, *, create: bool) -> AlertKey | None:
    """The (service, key) slot locked; with ``create``, inserted first if missing."""
    key = _slot(integration, dedup_key).select_for_update().first()
    if key is None and create:
        _slot_insert(integration, dedup_key)
        key = _slot(integration, dedup_key).select_for_update().get()
    return key


def _lock_open_incident(key: AlertKey) -> Incident | None:
    if key.incident_id is None:
        return None
    return Incident.objects.select_for_update().filter(pk=key.incident_id, status__in=OPEN_STATUSES).first()


def _alert_payload(alert: Alert, integration: Integration, **extra) -> dict:
    return {"alert_id": alert.pk, **_payload_of(alert.dedup_key, alert.summary, alert.severity, alert.source,
                                                integration, **extra)}


def _payload_of(dedup_key: str, summary: str, severity: str, source: str, integration: Integration,
                **extra) -> dict:
    return {"dedup_key": dedup_key, "summary": summary[:300], "severity": severity, "source": source[:200],
            "integration": integration.name, "integration_id": integration.pk, "kind": integration.kind, **extra}


def _alert_values(integration: Integration, event: NormalizedEvent, now: datetime, *, incident_id: int | None = None,
                  suppressed_by_id: int | None = None) -> dict:
    return {
        "organization_id": integration.organization_id, "integration_id": integration.pk,
        "service_id": integration.service_id, "incident_id": incident_id, "dedup_key": event.dedup_key,
        "status": AlertStatus.FIRING, "severity": event.severity, "summary": (event.summary or event.dedup_key)[:1024],
        "source": event.source[:1024], "details": event.details, "links": event.links,
        "occurred_at": event.occurred_at, "received_at": now, "acknowledged_at": None, "resolved_at": None,
        "suppressed_by_id": suppressed_by_id}


def _suppressed_alert(integration: Integration, event: NormalizedEvent, now: datetime, window_id: int) -> Alert:
    """The alert row of a trigger in a maintenance window: it joins no incident."""
    return Alert.objects.create(**_alert_values(integration, event, now, suppressed_by_id=window_id))


def alert_ingest(*, integration: Integration, event: NormalizedEvent, window_id: int | None = None) -> Outcome:
    """Apply one normalised event of ``integration``. ``window_id``: the maintenance window on
    now for its service (the caller knows it from its cache), whose alerts open no incident.

    Side effects: Alert rows, incidents created / acknowledged / moved through
    ``incidents.services`` (their timeline events are the outbox that pages). A trigger joining
    an open incident is one statement (its own transaction outside one); anything else, or a
    trigger that finds no such incident, runs in one transaction."""
    if event.action == EventAction.TRIGGER and window_id is None and not event.resend_is_noop:
        joined = _trigger_join(integration, event)
        if joined is not None:
            return joined
        opened = _trigger_open(integration, event)
        if opened is not None:
            return opened
    return _alert_ingest(integration, event, window_id)


def _trigger_join(integration: Integration, event: NormalizedEvent) -> Outcome | None:
    """The alert storm's event: the key's incident is open (not in monitoring), the alert joins it;
    same rows, locks and timeline event as ``_trigger`` in one round trip. None: nothing written."""
    values = _alert_values(integration, event, timezone.now())
    del values["incident_id"]
    found = incident_services.incident_alert_join(
        alert_model=Alert, slot_model=AlertKey, service_id=integration.service_id, dedup_key=event.dedup_key,
        values=values, payload=_payload_of(event.dedup_key, values["summary"], event.severity, values["source"],
                                           integration, joined=True),
        asynchronous=settings.INGESTION_ASYNC_COMMIT_JOINS, prepare=settings.INGESTION_PREPARED_STATEMENTS)
    if found is None:
        return None
    alert_id, incident_id, _event_id = found
    logger.debug("alert ingested", extra={"alert_id": alert_id, "incident_id": incident_id, "result": "joined"})
    return Outcome("joined", event.dedup_key, alert_id, incident_id)


def _trigger_open(integration: Integration, event: NormalizedEvent) -> Outcome | None:
    """A storm of new keys' event: the key feeds no incident, so it opens one with this alert in one
    statement of its own (``incident_open_for_alert``). Only for an integration that never groups
    (storm threshold 0): with a threshold, new keys are counted as they open an incident, which the
    transactional path does exactly (a trigger that reopens is no new key), and beyond the threshold
    they are grouped there anyway. None: nothing written (the key's slot names an incident, or a
    transaction is open); the transactional path decides."""
    if integration.storm_threshold_per_minute or transaction.get_connection().in_atomic_block:
        return None
    now = timezone.now()
    values = _alert_values(integration, event, now)
    del values["incident_id"]
    opened = incident_services.incident_open_for_alert(
        organization=integration.organization, title=event.title, severity=_severity_for(integration, event.severity),
        service=integration.service, source=integration.kind, detected_at=now,
        description=event.summary if len(event.summary) > 300 else "", alert_model=Alert, slot_model=AlertKey,
        dedup_key=event.dedup_key, values=values,
        payload=_payload_of(event.dedup_key, values["summary"], event.severity, values["source"], integration,
                            joined=False))
    if opened is None:
        return None
    incident, alert_id = opened
    logger.debug("alert ingested", extra={"alert_id": alert_id, "incident_id": incident.pk, "result": "created"})
    return Outcome("created", event.dedup_key, alert_id, incident.pk)


@transaction.atomic
def alerts_ingest(*, integration: Integration, events: list[NormalizedEvent], window_id: int | None = None
                  ) -> list[Outcome]:
    """Apply several events of one request (an Alertmanager group) in one transaction: the
    request is all or nothing and commits (waits for the WAL flush) once. Two such requests
    locking the same keys in another order can deadlock: PostgreSQL then fails one (a 503, which
    the sender retries)."""
    return [alert_ingest(integration=integration, event=event, window_id=window_id) for event in events]


@transaction.atomic
def sns_notification_ingest(*, integration: Integration, message_id: str, events: list[NormalizedEvent],
                            window_id: int | None = None) -> list[Outcome] | None:
    """Apply an SNS notification's events once per MessageId (SNS retries deliver it again): its
    id is recorded in the same transaction. None: a duplicate, nothing written."""
    try:
        with transaction.atomic():
            SnsMessage.objects.create(organization_id=integration.organization_id, integration=integration,
                                      message_id=message_id[:100])
    except IntegrityError:
        return None
    return alerts_ingest(integration=integration, events=events, window_id=window_id)


@transaction.atomic
def _alert_ingest(integration: Integration, event: NormalizedEvent, window_id: int | None) -> Outcome:
    handler = {
        EventAction.TRIGGER: _trigger,
        EventAction.RESOLVE: _resolve,
        EventAction.ACKNOWLEDGE: _acknowledge,
        EventAction.NOTE: _note,
    }[event.action]
    return handler(integration, event, window_id)


def _is_resend(key: AlertKey, incident: Incident | None, window_id: int | None) -> bool:
    firing = Alert.objects.filter(service_id=key.service_id, dedup_key=key.dedup_key, status=AlertStatus.FIRING)
    if incident is not None and firing.filter(incident=incident).exists():
        return True
    return window_id is not None and firing.filter(suppressed_by_id=window_id).exists()


def _lock_key_and_open_incident(integration: Integration, dedup_key: str, *,
                                new_key_likely: bool = False) -> tuple[AlertKey, Incident | None]:
    """The slot and its open incident locked (slot first, then the incident: always in that order,
    so no deadlock); the slot created if missing. ``new_key_likely`` (the join statement found no
    open incident for the key): the slot's INSERT comes first. A concurrent trigger of the same
    new key waits on the unique index until this transaction ends, then finds the slot (and the
    incident it opened)."""
    if new_key_likely:
        _slot_insert(integration, dedup_key)
    key = _lock_key(integration, dedup_key, create=True)
    return key, _lock_open_incident(key)


def _severity_for(integration: Integration, alert_severity: str) -> Severity | str:
    """The mapped severity; if the org no longer has it, its most severe one but P0 (an alert is
    never refused for a stale mapping: Alertmanager would drop it). The row itself, so that
    ``incident_create`` does not look it up again; the name when the org has none at all."""
    name = integration.severity_name_for(alert_severity)
    severities = Severity.objects.filter(organization_id=integration.organization_id)
    found = severities.filter(name=name).first()
    if found is not None:
        return found
    fallback = severities.exclude(name="P0").order_by("rank").first() or severities.order_by("rank").first()
    return fallback if fallback is not None else name


def _trigger(integration: Integration, event: NormalizedEvent, window_id: int | None) -> Outcome:
    now = timezone.now()
    # Without a window or resend check, the join statement ran first and found no open incident.
    key, incident = _lock_key_and_open_incident(integration, event.dedup_key,
                                                new_key_likely=window_id is None and not event.resend_is_noop)
    if event.resend_is_noop and _is_resend(key, incident, window_id):
        return Outcome("duplicate", event.dedup_key, incident_id=incident.pk if incident else None)
    if window_id is not None:
        alert = _suppressed_alert(integration, event, now, window_id)
        if incident is not None:
            incident_services.timeline_event_record(
                incident=incident, kind=TimelineKind.MAINTENANCE_SUPPRESSED, at=now,
                payload=_alert_payload(alert, integration, maintenance_window_id=window_id))
        return Outcome("suppressed", event.dedup_key, alert.pk, incident.pk if incident else None)
    if incident is None:
        incident, result = storms.incident_for_new_key(integration, event, now, severity=_severity_for)
    else:
        result = "joined"
    alert = _received_alert(integration, event, now, incident, slot=key if result != "joined" else None,
                            joined=result != "created")
    if incident.status == S.MONITORING:
        status = S.FIXING if incident.acknowledged_at else S.TRIGGERED
        incident_services.incident_transition(incident=incident, status=status, system=True,
                                              note=f"New alert: {alert.summary[:200]}")
        result = "reopened"
    logger.debug("alert ingested", extra={"alert_id": alert.pk, "incident_id": incident.pk, "result": result})
    return Outcome(result, event.dedup_key, alert.pk, incident.pk)


def _received_alert(integration: Integration, event: NormalizedEvent, now: datetime, incident: Incident, *,
                    slot: AlertKey | None, joined: bool) -> Alert:
    """The alert joins ``incident`` (locked above, or created in this transaction) and the timeline
    notes it (no page by itself), with the slot pointer of a new incident, through
    ``incident_alert_add``."""
    values = _alert_values(integration, event, now)
    del values["incident_id"]
    payload = _payload_of(event.dedup_key, values["summary"], event.severity, values["source"], integration,
                          joined=joined)
    alert, _event_id = incident_services.incident_alert_add(incident=incident, alert_model=Alert, values=values,
                                                            payload=payload, slot=slot)
    return alert


def _resolve(integration: Integration, event: NormalizedEvent, window_id: int | None) -> Outcome:
    now = timezone.now()
    key = _lock_key(integration, event.dedup_key, create=False)
    if key is None:
        return Outcome("ignored", event.dedup_key)
    incident = _lock_open_incident(key)
    firing = Alert.objects.filter(service_id=key.service_id, dedup_key=key.dedup_key, status=AlertStatus.FIRING)
    in_incident = firing.filter(incident=incident).count() if incident is not None else 0
    resolved = firing.update(status=AlertStatus.RESOLVED, resolved_at=now)
    if not resolved:
        return Outcome("ignored", event.dedup_key, incident_id=incident.pk if incident else None)
    if incident is not None and in_incident:
        incident_services.timeline_event_record(incident=incident, kind=TimelineKind.ALERT_RESOLVED, at=now, payload={
            "dedup_key": key.dedup_key, "alerts": in_incident, "integration": integration.name,
            "integration_id": integration.pk, "kind": integration.kind})
        if not Alert.objects.filter(incident=incident, status=AlertStatus.FIRING).exists():
            _alerts_cleared(incident, now)
    return Outcome("resolved", event.dedup_key, incident_id=incident.pk if incident else None)


def _alerts_cleared(incident: Incident, now: datetime) -> None:
    """Every alert of the incident is resolved: to monitoring (a system move), which stops paging."""
    incident_services.timeline_event_record(incident=incident, kind=TimelineKind.ALERTS_CLEARED, at=now,
                                            payload={"note": ALERTS_CLEARED_NOTE, "status": incident.status})
    if incident.status != S.MONITORING:
        incident_services.incident_transition(incident=incident, status=S.MONITORING, system=True,
                                              note=ALERTS_CLEARED_NOTE)


def _acknowledge(integration: Integration, event: NormalizedEvent, window_id: int | None) -> Outcome:
    key = _lock_key(integration, event.dedup_key, create=False)
    incident = _lock_open_incident(key) if key is not None else None
    if incident is None:
        return Outcome("ignored", event.dedup_key)
    Alert.objects.filter(incident=incident, dedup_key=key.dedup_key, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now())
    incident_services.incident_acknowledge(incident=incident, via=integration.kind)
    return Outcome("acknowledged", event.dedup_key, incident_id=incident.pk)


def _note(integration: Integration, event: NormalizedEvent, window_id: int | None) -> Outcome:
    key = _lock_key(integration, event.dedup_key, create=False)
    incident = _lock_open_incident(key) if key is not None else None
    if incident is None:
        return Outcome("ignored", event.dedup_key)
    incident_services.timeline_event_record(incident=incident, kind=TimelineKind.SYSTEM, payload={
        "text": event.summary, "dedup_key": event.dedup_key, "integration": integration.name,
        "integration_id": integration.pk, "kind": integration.kind})
    return Outcome("noted", event.dedup_key, incident_id=incident.pk)


def change_ingest(*, integration: Integration, change) -> int:
    """A PagerDuty Change Event on the integration's service (``parsers.pagerduty.ChangeFields``),
    stored by ``incidents.services.change_event_record``. Returns its id."""
    return incident_services.change_event_record(
        service=integration.service, summary=change.summary, source=change.source, occurred_at=change.occurred_at,
        custom_details=change.custom_details, links=change.links, origin=integration.name).pk
