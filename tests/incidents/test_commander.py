"""The first person on call for the service's escalation policy becomes Incident Commander."""

from datetime import UTC, datetime

import pytest
import time_machine

from incidents import services
from incidents.enums import ParticipantRole, TimelineKind
from tenancy.enums import Role
from tests.incidents.factories import ServiceFactory
from tests.incidents.helpers import incident_url
from tests.oncall.factories import EscalationPolicyFactory, ScheduleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rota(org, make_member):
    """Alice then Bob, a week each from Monday 6 January 2025 09:00 UTC; the manager as a fallback step."""
    alice = make_member(org, Role.RESPONDER, name="Alice Primary").user
    bob = make_member(org, Role.RESPONDER, name="Bob Secondary").user
    manager = make_member(org, Role.ADMIN, name="Erin Manager").user
    layer = {"participants": [alice, bob], "rotation_type": "weekly", "shift_length": 1,
             "rotation_start": datetime.fromisoformat("2025-01-06T09:00")}  # wall clock, schedule zone
    schedule = ScheduleFactory(organization=org, time_zone="UTC", layers=[layer])
    policy = EscalationPolicyFactory(organization=org, name="Default", steps=[
        {"schedules": [schedule], "delay_minutes": 5}, {"users": [manager], "delay_minutes": 15}])
    service = ServiceFactory(organization=org, name="Database", escalation_policy=policy)
    return {"alice": alice, "bob": bob, "manager": manager, "service": service, "schedule": schedule}


@pytest.mark.parametrize(("when", "expected"), [
    (datetime(2025, 1, 7, 3, tzinfo=UTC), "alice"),
    (datetime(2025, 1, 14, 3, tzinfo=UTC), "bob"),
    (datetime(2025, 1, 20, 10, tzinfo=UTC), "alice"),
])
def test_commander_is_whoever_is_on_call(rota, org, member_of, when, expected):
    _responder, client = member_of(Role.RESPONDER)
    with time_machine.travel(when, tick=False):
        response = client.post(incident_url(org), {"title": "DB down", "severity": "P0",
                                                   "service": rota["service"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "triggered"
    assert body["number"] == 1
    commander = rota[expected]
    assert body["commander"] == {"id": commander.pk, "email": commander.email, "name": commander.name}


def test_commander_joins_the_roster_and_the_creation_event_names_them(rota, org):
    with time_machine.travel(datetime(2025, 1, 7, 3, tzinfo=UTC), tick=False):
        incident = services.incident_create(organization=org, title="DB down", severity="P0",
                                            service=rota["service"])
    assert incident.participants.get().role == ParticipantRole.COMMANDER
    event = incident.timeline.get()
    assert event.kind == TimelineKind.INCIDENT_CREATED
    assert event.payload["commander"]["id"] == rota["alice"].pk
    assert event.payload["pages_nobody"] is False


def test_empty_schedule_falls_to_the_next_step(org, make_member):
    manager = make_member(org, Role.ADMIN).user
    empty = ScheduleFactory(organization=org)
    policy = EscalationPolicyFactory(organization=org, steps=[{"schedules": [empty]}, {"users": [manager]}])
    service = ServiceFactory(organization=org, escalation_policy=policy)
    incident = services.incident_create(organization=org, title="x", severity="P2", service=service)
    assert incident.commander == manager


@pytest.mark.parametrize("with_service", [True, False])
def test_no_policy_pages_nobody_and_says_so(org, with_service):
    service = ServiceFactory(organization=org, name="Mailboxes") if with_service else None
    incident = services.incident_create(organization=org, title="Mailbox down", severity="P2", service=service)
    assert incident.commander is None
    event = incident.timeline.get()
    assert event.payload["pages_nobody"] is True
    assert "pages nobody" in event.payload["note"]


def test_acknowledging_by_someone_else_does_not_steal_command(rota, org, member_of):
    with time_machine.travel(datetime(2025, 1, 7, 3, tzinfo=UTC), tick=False):
        incident = services.incident_create(organization=org, title="DB down", severity="P0",
                                            service=rota["service"])
    other, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org, incident, "acknowledge"))
    assert response.status_code == 200
    assert response.json()["commander"]["id"] == rota["alice"].pk
    event = incident.timeline.order_by("-id").first()
    assert event.kind == TimelineKind.ACKNOWLEDGED
    assert event.actor == other.user
    assert event.payload["commander_kept"]["id"] == rota["alice"].pk


def test_acknowledger_takes_command_when_nobody_holds_it(org, member_of):
    incident = services.incident_create(organization=org, title="x", severity="P2")
    responder, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org, incident, "acknowledge"))
    assert response.json()["commander"]["id"] == responder.user.pk
    assert incident.timeline.count() == 2


def test_commander_is_reassignable(rota, org, member_of):
    with time_machine.travel(datetime(2025, 1, 7, 3, tzinfo=UTC), tick=False):
        incident = services.incident_create(organization=org, title="DB down", severity="P0",
                                            service=rota["service"])
    _responder, client = member_of(Role.RESPONDER)
    response = client.patch(incident_url(org, incident), {"commander": rota["bob"].pk})
    assert response.status_code == 200, response.content
    assert response.json()["commander"]["id"] == rota["bob"].pk
    roles = dict(incident.participants.values_list("user_id", "role"))
    assert roles == {rota["alice"].pk: ParticipantRole.ENGINEER, rota["bob"].pk: ParticipantRole.COMMANDER}
    event = incident.timeline.order_by("-id").first()
    assert event.kind == TimelineKind.COMMANDER_ASSIGNED
    assert (event.payload["previous"]["id"], event.payload["commander"]["id"]) == (rota["alice"].pk, rota["bob"].pk)


def test_commander_must_be_a_member(org, member_of, make_org, make_member, incident):
    outsider = make_member(make_org(), Role.OWNER).user
    _responder, client = member_of(Role.RESPONDER)
    response = client.patch(incident_url(org, incident), {"commander": outsider.pk})
    assert response.status_code == 400
    assert "commander" in response.json()["errors"]
