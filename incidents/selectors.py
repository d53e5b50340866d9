"""Read-side queries of the incidents app. Every one takes the organization (or an object of it)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from incidents.enums import OPEN_STATUSES
from incidents.models import (
    ChangeEvent,
    ChecklistItem,
    Incident,
    Participant,
    RootCauseCategory,
    Runbook,
    Service,
    Severity,
    TimelineEvent,
)
from tenancy.models import Organization


def incident_list(*, organization: Organization) -> QuerySet[Incident]:
    """Incidents with what a list row shows joined in (a constant number of queries a page)."""
    incidents = Incident.objects.select_related("severity", "service", "commander", "root_cause_category")
    return incidents.filter(organization=organization)


def incident_get(*, organization: Organization, number: int) -> Incident | None:
    return incident_list(organization=organization).filter(number=number).first()


def severity_list(*, organization: Organization) -> QuerySet[Severity]:
    severities = Severity.objects.order_by("rank", "name")
    return severities.filter(organization=organization)


def service_list(*, organization: Organization) -> QuerySet[Service]:
    services = Service.objects.order_by("name")
    return services.filter(organization=organization)


def root_cause_category_list(*, organization: Organization) -> QuerySet[RootCauseCategory]:
    categories = RootCauseCategory.objects.order_by("name")
    return categories.filter(organization=organization)


def runbook_list(*, organization: Organization) -> QuerySet[Runbook]:
    runbooks = Runbook.objects.prefetch_related("services").order_by("title")
    return runbooks.filter(organization=organization)


def runbooks_for_incident(*, incident: Incident) -> QuerySet[Runbook]:
    """Runbooks of the incident's service (none when it has no service)."""
    if incident.service_id is None:
        return Runbook.objects.none()
    return Runbook.objects.filter(organization_id=incident.organization_id, services=incident.service_id).order_by(
        "title"
    )


def timeline_for_incident(*, incident: Incident) -> QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(incident=incident).select_related("actor").order_by("at", "id")


def participants_for_incident(*, incident: Incident) -> QuerySet[Participant]:
    return Participant.objects.filter(incident=incident).select_related("user").order_by("added_at", "id")


def checklist_for_incident(*, incident: Incident) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(incident=incident).select_related("checked_by").order_by(
        "-checklist", "position"
    )


RECENT_CHANGES_WINDOW = timedelta(hours=24)
RECENT_CHANGES_LIMIT = 20


def recent_changes_for_incident(*, incident: Incident, window: timedelta = RECENT_CHANGES_WINDOW,
                                limit: int = RECENT_CHANGES_LIMIT) -> list[ChangeEvent]:
    """Changes on the incident's service in the ``window`` before its detection (and up to it),
    newest first: what triage asks first ("recent deployment?"). None without a service."""
    if incident.service_id is None:
        return []
    return list(ChangeEvent.objects.filter(
        organization_id=incident.organization_id, service_id=incident.service_id,
        occurred_at__gte=incident.detected_at - window, occurred_at__lte=incident.detected_at,
    ).order_by("-occurred_at", "-id")[:limit])
@dataclass(frozen=True, slots=True)
class SlaState:
    """Where an open incident stands against its severity's acknowledgment SLA."""

    incident: Incident
    age: timedelta
    state: str  # "met" (acknowledged within the SLA), "late" (acknowledged after it), "breached", "running"
    time_left: timedelta | None  # while running: how long until the SLA breaks


def _sla_state(incident: Incident, now: datetime) -> SlaState:
    sla = incident.severity.ack_sla
    deadline = incident.detected_at + sla
    age = now - incident.detected_at
    if incident.acknowledged_at is not None:
        state = "met" if incident.acknowledged_at <= deadline else "late"
        return SlaState(incident, age, state, None)
    if now > deadline:
        return SlaState(incident, age, "breached", None)
    return SlaState(incident, age, "running", deadline - now)


def open_incidents_with_sla(*, organization: Organization, now: datetime) -> list[SlaState]:
    """The org's open, non-drill incidents, most severe first, each with its age and SLA state (one query)."""
    incidents = (Incident.objects.for_org(organization).filter(status__in=OPEN_STATUSES, is_drill=False)
                 .select_related("severity", "service", "commander").order_by("severity__rank", "detected_at"))
    return [_sla_state(incident, now) for incident in incidents]


def incidents_update_due(*, organization: Organization, now: datetime, within: timedelta) -> list[Incident]:
    """Open, non-drill incidents whose next status update is due before ``now + within`` (soonest first)."""
    return list(Incident.objects.for_org(organization)
                .filter(status__in=OPEN_STATUSES, is_drill=False, next_update_at__lt=now + within)
                .select_related("severity").order_by("next_update_at"))
