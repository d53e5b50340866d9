"""Heartbeats and what the beat ticker does: late heartbeats, maintenance window ends, auto-resolve.

Each due row is claimed with ``select_for_update(skip_locked=True)`` and re-checked inside its
own transaction, so two tickers (or a duplicate message) do the work once.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from incidents import services as incident_services
from incidents.enums import OPEN_STATUSES, IncidentStatus, TimelineKind
from incidents.ingestion.enums import AlertSeverity, AlertStatus, EventAction
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import Alert, Heartbeat, Integration, MaintenanceWindow
from incidents.ingestion.services.alerts import alert_ingest
from incidents.ingestion.services.integrations import heartbeat_period
from incidents.models import Incident

logger = logging.getLogger(__name__)
AUTO_RESOLVE_AFTER = timedelta(minutes=30)  # the plan's "monitor for 30 minutes"
BATCH = 200


def heartbeat_dedup_key(integration: Integration) -> str:
    return f"heartbeat:{integration.pk}"


def _heartbeat_event(integration: Integration, action: str, heartbeat: Heartbeat) -> NormalizedEvent:
    last = heartbeat.last_beat_at.isoformat() if heartbeat.last_beat_at else "never"
    return NormalizedEvent(
        action=action, dedup_key=heartbeat_dedup_key(integration), source="heartbeat",
        summary=f"Heartbeat '{integration.name}' is late: no beat since {last}",
        severity=AlertSeverity.CRITICAL, details={"last_beat_at": last,
                                                  "interval_minutes": integration.heartbeat_interval_minutes,
                                                  "timeout_minutes": integration.heartbeat_timeout_minutes},
        resend_is_noop=True,
    )


@transaction.atomic
def heartbeat_beat(*, integration: Integration, window_id: int | None = None) -> Heartbeat:
    """A beat: push the deadline; if the heartbeat was late, resolve its alert (beats are back)."""
    now = timezone.now()
    heartbeat, _created = Heartbeat.objects.select_for_update().get_or_create(
        integration=integration, defaults={"organization_id": integration.organization_id, "due_at": now})
    was_late = heartbeat.late_since is not None
    heartbeat.last_beat_at = now
    heartbeat.due_at = now + heartbeat_period(integration)
    heartbeat.late_since = None
    heartbeat.save(update_fields=["last_beat_at", "due_at", "late_since"])
    if was_late:
        alert_ingest(integration=integration, event=_heartbeat_event(integration, EventAction.RESOLVE, heartbeat),
                     window_id=window_id)
    return heartbeat


def heartbeats_check(*, now: datetime | None = None) -> int:
    """Beat: trigger an alert for every enabled heartbeat past its deadline. Returns how many. A
    heartbeat that never beat is waiting for its monitor to be set up, not late."""
    now = now or timezone.now()
    due = Heartbeat.objects.filter(late_since__isnull=True, due_at__lte=now, integration__enabled=True,
                                   last_beat_at__isnull=False)
    return sum(_heartbeat_late(pk, now) for pk in list(due.values_list("pk", flat=True)[:BATCH]))


def _window_on(service_id: int, now: datetime) -> int | None:
    return MaintenanceWindow.objects.filter(service_id=service_id, starts_at__lte=now, ends_at__gt=now).values_list(
        "pk", flat=True).first()


@transaction.atomic
def _heartbeat_late(heartbeat_id: int, now: datetime) -> bool:
    heartbeat = Heartbeat.objects.select_for_update(skip_locked=True).select_related(
        "integration__organization", "integration__service").filter(
        pk=heartbeat_id, late_since__isnull=True, due_at__lte=now, last_beat_at__isnull=False).first()
    if heartbeat is None:
        return False
    integration = heartbeat.integration
    heartbeat.late_since = now
    heartbeat.save(update_fields=["late_since"])
    alert_ingest(integration=integration, event=_heartbeat_event(integration, EventAction.TRIGGER, heartbeat),
                 window_id=_window_on(integration.service_id, now))
    logger.info("heartbeat late", extra={"integration_id": integration.pk})
    return True


def maintenance_windows_record_ends(*, now: datetime | None = None) -> int:
    """Beat: write each ended window's end on the timeline of its service's open incidents."""
    now = now or timezone.now()
    ended = MaintenanceWindow.objects.filter(end_recorded_at__isnull=True, ends_at__lte=now)
    return sum(_window_end(pk, now) for pk in list(ended.values_list("pk", flat=True)[:BATCH]))


@transaction.atomic
def _window_end(window_id: int, now: datetime) -> bool:
    window = MaintenanceWindow.objects.select_for_update(skip_locked=True).select_related("service").filter(
        pk=window_id, end_recorded_at__isnull=True, ends_at__lte=now).first()
    if window is None:
        return False
    window.end_recorded_at = now
    window.save(update_fields=["end_recorded_at"])
    suppressed = window.alerts.count()
    for incident in Incident.objects.filter(service_id=window.service_id, status__in=OPEN_STATUSES):
        incident_services.timeline_event_record(incident=incident, kind=TimelineKind.SYSTEM, at=window.ends_at,
                                                payload={"text": f"Maintenance window on {window.service} ended",
                                                         "maintenance_window_id": window.pk,
                                                         "reason": window.reason, "suppressed_alerts": suppressed,
                                                         "starts_at": window.starts_at, "ends_at": window.ends_at})
    return True


def incidents_auto_resolve(*, now: datetime | None = None) -> int:
    """Beat: resolve incidents that have stayed in monitoring for 30 minutes with every alert
    resolved and no new alert, when one of their integrations has ``auto_resolve`` on."""
    now = now or timezone.now()
    auto = Alert.objects.filter(incident=OuterRef("pk"), integration__auto_resolve=True)
    firing = Alert.objects.filter(incident=OuterRef("pk"), status=AlertStatus.FIRING)
    due = Incident.objects.filter(status=IncidentStatus.MONITORING, monitoring_since__lte=now - AUTO_RESOLVE_AFTER
                                  ).filter(Exists(auto)).exclude(Exists(firing))
    return sum(_auto_resolve(pk, now) for pk in list(due.values_list("pk", flat=True)[:BATCH]))


@transaction.atomic
def _auto_resolve(incident_id: int, now: datetime) -> bool:
    incident = Incident.objects.select_for_update(skip_locked=True).filter(
        pk=incident_id, status=IncidentStatus.MONITORING, monitoring_since__lte=now - AUTO_RESOLVE_AFTER).first()
    if incident is None:
        return False
    if Alert.objects.filter(incident=incident).filter(status=AlertStatus.FIRING).exists():
        return False
    if Alert.objects.filter(incident=incident, received_at__gt=incident.monitoring_since).exists():
        return False
    incident_services.incident_resolve(
        incident=incident, system=True,
        override_reason="Auto-resolved: 30 minutes in monitoring with every alert resolved and no new alert.")
    logger.info("incident auto-resolved", extra={"incident_id": incident.pk})
    return True
