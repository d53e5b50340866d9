"""Past incidents brought in from elsewhere (a tracking sheet, another tool): their real moments,
so metrics and trends start with the organization's history."""

from datetime import datetime

from django.db import transaction

from incidents.enums import IncidentStatus, TimelineKind
from incidents.models import Incident, RootCauseCategory, Service, Severity
from incidents.services.common import incident_lock, timeline_event_record
from incidents.services.lifecycle import incident_create
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User


def _check_order(detected_at: datetime, moments: dict[str, datetime | None]) -> None:
    for name, moment in moments.items():
        if moment is not None and moment < detected_at:
            raise ApplicationError("A moment before detection.", {name: ["Must not be before detected_at."]})


@transaction.atomic
def incident_import(*, organization: Organization, title: str, severity: Severity | str, detected_at: datetime,
                    resolved_at: datetime, service: Service | None = None, acknowledged_at: datetime | None = None,
                    mitigated_at: datetime | None = None, impact_started_at: datetime | None = None,
                    root_cause: str = "", root_cause_category: RootCauseCategory | None = None,
                    actor: User | None = None) -> Incident:
    """Record an incident that already happened, resolved, with its moments. Its timeline says it was
    imported (one ``system`` event with the moments) and nothing pages: it is resolved before the
    ``incident_created`` event is dispatched after commit."""
    _check_order(detected_at, {"acknowledged_at": acknowledged_at, "mitigated_at": mitigated_at,
                               "resolved_at": resolved_at})
    if root_cause_category is not None and root_cause_category.organization_id != organization.pk:
        raise ApplicationError("Unknown category.", {"root_cause_category": ["Not a category of this organization."]})
    incident = incident_create(organization=organization, title=title, severity=severity, service=service,
                               detected_at=detected_at, actor=actor, source="import")
    incident = incident_lock(incident)
    incident.status = IncidentStatus.RESOLVED
    incident.acknowledged_at, incident.mitigated_at, incident.resolved_at = acknowledged_at, mitigated_at, resolved_at
    incident.impact_started_at = impact_started_at
    incident.root_cause, incident.root_cause_category = root_cause, root_cause_category
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.SYSTEM, actor=actor, at=resolved_at, payload={
        "imported": True, "detected_at": detected_at, "acknowledged_at": acknowledged_at,
        "mitigated_at": mitigated_at, "resolved_at": resolved_at, "impact_started_at": impact_started_at})
    return incident
