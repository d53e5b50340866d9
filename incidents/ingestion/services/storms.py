"""Alert-storm protection: one integration never opens (and pages for) more than its
``storm_threshold_per_minute`` new incidents a minute. Beyond that, each further new dedup key
joins the integration's one alert-storm incident, which paged once when it opened and whose
alerts (and ``alert_received`` timeline events) list the grouped keys; a timeline note says why.

The count is a row per integration (``StormWindow``), locked by every new key of the integration
until its transaction ends, so concurrent new keys count one after the other (they already
queue on the organization's incident counter). The minute starts with its first new key; the
next new key after it ends starts a new one. A key grouped into the storm incident stays there:
its later triggers join it, its resolve resolves its alert.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from incidents import services as incident_services
from incidents.enums import OPEN_STATUSES, TimelineKind
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import Integration, StormWindow
from incidents.models import Incident

logger = logging.getLogger(__name__)
WINDOW = timedelta(minutes=1)


def incident_for_new_key(integration: Integration, event: NormalizedEvent, now: datetime, *,
                         severity: Callable) -> tuple[Incident, str]:
    """The incident a trigger of a key with no open incident goes to, and how: ("created", a new
    incident) or ("grouped", the alert-storm incident, opened now if there is none open).
    ``severity(integration, alert_severity)`` is the severity a new incident gets. Inside the
    caller's transaction."""
    threshold = integration.storm_threshold_per_minute
    if threshold:
        window = _count_new_key(integration, now)
        if window.opened > threshold:
            return _storm_incident(integration, window, event, now, severity), "grouped"
    incident = incident_services.incident_create(
        organization=integration.organization, title=event.title,
        severity=severity(integration, event.severity), service=integration.service,
        description=event.summary if len(event.summary) > 300 else "", source=integration.kind, detected_at=now)
    return incident, "created"


def _count_new_key(integration: Integration, now: datetime) -> StormWindow:
    StormWindow.objects.bulk_create([StormWindow(organization_id=integration.organization_id,
                                                 integration=integration, started_at=now)], ignore_conflicts=True)
    window = StormWindow.objects.select_for_update().get(integration=integration)
    if now - window.started_at >= WINDOW:
        window.started_at, window.opened = now, 0
    window.opened += 1
    window.save(update_fields=["started_at", "opened"])
    return window


def _storm_incident(integration: Integration, window: StormWindow, event: NormalizedEvent, now: datetime,
                    severity: Callable) -> Incident:
    """The integration's open alert-storm incident, locked; or a new one (it pages, once) with the
    note that says why further new alerts are grouped there."""
    if window.incident_id is not None:
        incident = Incident.objects.select_for_update().filter(pk=window.incident_id,
                                                               status__in=OPEN_STATUSES).first()
        if incident is not None:
            return incident
    threshold = integration.storm_threshold_per_minute
    incident = incident_services.incident_create(
        organization=integration.organization, title=f"Alert storm: {integration.name}"[:300],
        severity=severity(integration, event.severity), service=integration.service, source=integration.kind,
        description=(f"{integration.name} sent more than {threshold} new alerts within a minute. Further new "
                     f"alerts are grouped into this incident instead of opening and paging one each; its alerts "
                     f"list them."), detected_at=now)
    incident_services.timeline_event_record(incident=incident, kind=TimelineKind.SYSTEM, at=now, payload={
        "text": f"Alert storm: more than {threshold} new incidents a minute from {integration.name}; further "
                f"new alerts are grouped here (storm threshold of the integration).",
        "integration_id": integration.pk, "integration": integration.name, "storm_threshold_per_minute": threshold})
    window.incident = incident
    window.save(update_fields=["incident"])
    logger.warning("alert storm", extra={"integration_id": integration.pk, "incident_id": incident.pk})
    return incident
