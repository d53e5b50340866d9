"""Alert-storm protection: one integration never opens (and pages for) more than its
``storm_threshold_per_minute`` new incidents a minute. Beyond that, each further new dedup key
joins the integration's one alert-storm incident, which paged once when it opened and whose
alerts (and ``alert_received`` timeline events) list the grouped keys; a timeline note says why.

The count is a Redis counter per integration and clock minute (``ratelimit.count_new_incident``:
one round trip, no database lock, so new keys do not queue on it; without Redis, a count per
process). The storm incident is named by the integration's ``AlertStorm`` row, locked only by the
new keys that are grouped. A key grouped into the storm incident stays there: its later triggers
join it, its resolve resolves its alert.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from incidents import services as incident_services
from incidents.enums import OPEN_STATUSES, TimelineKind
from incidents.ingestion import ratelimit
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import AlertStorm, Integration
from incidents.models import Incident

logger = logging.getLogger(__name__)


def incident_for_new_key(integration: Integration, event: NormalizedEvent, now: datetime, *,
                         severity: Callable) -> tuple[Incident, str]:
    """The incident a trigger of a key with no open incident goes to, and how: ("created", a new
    incident) or ("grouped", the alert-storm incident, opened now if there is none open).
    ``severity(integration, alert_severity)`` is the severity a new incident gets. Inside the
    caller's transaction."""
    level = severity(integration, event.severity)
    threshold = integration.storm_threshold_per_minute
    if threshold and ratelimit.count_new_incident(integration.pk) > threshold:
        return _storm_incident(integration, event, now, level), "grouped"
    incident = incident_services.incident_create(
        organization=integration.organization, title=event.title, severity=level, service=integration.service,
        description=event.summary if len(event.summary) > 300 else "", source=integration.kind, detected_at=now)
    return incident, "created"


def _storm_incident(integration: Integration, event: NormalizedEvent, now: datetime, severity) -> Incident:
    """The integration's open alert-storm incident, locked (its ``AlertStorm`` row first, so
    concurrent grouped keys open one); or a new one (it pages, once) with the note that says why
    further new alerts are grouped there."""
    AlertStorm.objects.bulk_create([AlertStorm(organization_id=integration.organization_id, integration=integration)],
                                   ignore_conflicts=True)
    storm = AlertStorm.objects.select_for_update().get(integration=integration)
    if storm.incident_id is not None:
        incident = Incident.objects.select_for_update().filter(pk=storm.incident_id,
                                                               status__in=OPEN_STATUSES).first()
        if incident is not None:
            return incident
    threshold = integration.storm_threshold_per_minute
    incident = incident_services.incident_create(
        organization=integration.organization, title=f"Alert storm: {integration.name}"[:300],
        severity=severity, service=integration.service, source=integration.kind,
        description=(f"{integration.name} sent more than {threshold} new alerts within a minute. Further new "
                     f"alerts are grouped into this incident instead of opening and paging one each; its alerts "
                     f"list them."), detected_at=now)
    incident_services.timeline_event_record(incident=incident, kind=TimelineKind.SYSTEM, at=now, payload={
        "text": f"Alert storm: more than {threshold} new incidents a minute from {integration.name}; further "
                f"new alerts are grouped here (storm threshold of the integration).",
        "integration_id": integration.pk, "integration": integration.name, "storm_threshold_per_minute": threshold})
    storm.incident = incident
    storm.save(update_fields=["incident"])
    logger.warning("alert storm", extra={"integration_id": integration.pk, "incident_id": incident.pk})
    return incident
