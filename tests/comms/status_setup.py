"""Shared set-up of the status-update tests: the plan's own example (a P0 database outage, Oct 13, 2025)."""

from datetime import UTC, datetime

import time_machine

from comms.services import status as status_services
from incidents import services as incident_services
from incidents.models import Service
from tenancy.enums import Role
from tests.comms import factories

DETECTED = datetime(2025, 10, 13, 14, 30, tzinfo=UTC)


def plan_incident(org, make_member, receiver, *, severity="P0", at=DETECTED, is_drill=False):
    """John (commander, chat to /john), #incidents for P0/P1 at /incidents; the incident acknowledged by John."""
    john = make_member(org, Role.RESPONDER, name="John", email=f"john@{org.slug}.test").user
    factories.chat_method(org, john, receiver.url("/john"))
    factories.destination(org, receiver.url("/incidents"))
    service = Service.objects.create(organization=org, name="API")
    with time_machine.travel(at, tick=False):
        incident = incident_services.incident_create(organization=org, title="Database Connection Failure",
                                                     severity=severity, service=service, is_drill=is_drill)
        incident = incident_services.incident_acknowledge(incident=incident, actor=john)
        incident_services.incident_update_details(incident=incident, customer_impact="API down, users cannot apply")
    incident.refresh_from_db()
    return incident, john


def post(incident, user, **fields):
    fields.setdefault("audience", "internal")
    fields.setdefault("status", "investigating")
    return status_services.status_update_post(incident=incident, posted_by=user, **fields)
