"""Small makers for the status page tests.

``public_update`` writes a ``StatusUpdate`` and its ``status_update_posted`` timeline event in one
transaction, as ``comms.services.status.status_update_post`` (the "status" helper's service, not on
this branch) does; once it is merged, these calls should go through it instead."""

from datetime import datetime

from django.db import transaction

from comms.enums import Audience
from comms.models import StatusUpdate
from comms.statuspage.services import page as page_services
from incidents import services as incident_services
from incidents.enums import TimelineKind
from incidents.models import Incident, Service


def public_update(incident: Incident, *, status: str = "investigating", title: str = "Errors on the website",
                  body: str = "We are investigating.", audience: str = Audience.PUBLIC,
                  posted_at: datetime | None = None) -> StatusUpdate:
    extra = {"posted_at": posted_at} if posted_at else {}
    with transaction.atomic():
        update = StatusUpdate.objects.create(organization=incident.organization, incident=incident, audience=audience,
                                             status=status, title=title, body=body, **extra)
        incident_services.timeline_event_record(
            incident=incident, kind=TimelineKind.STATUS_UPDATE_POSTED,
            payload={"status_update_id": update.pk, "audience": audience, "status": status})
    return update


def service(org, name: str) -> Service:
    return Service.objects.get_or_create(organization=org, name=name)[0]


def enabled_page(org, **changes):
    return page_services.status_page_update(organization=org, enabled=True, **changes)


def component(org, name: str, services=(), **values):
    return page_services.component_create(organization=org, name=name, services=list(services), **values)


def incident(org, svc, severity: str = "P1", title: str = "db-1 connection pool exhausted", **values) -> Incident:
    return incident_services.incident_create(organization=org, title=title, severity=severity, service=svc, **values)
