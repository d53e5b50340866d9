"""Plan 4.1: whoever acknowledges after the commander did not answer becomes commander; an incident
without a service or policy falls back to the org's default policy, or says it pages nobody."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from comms.models import EscalationRun, Notification
from comms.services import paging
from incidents import services as incident_services
from incidents.enums import ParticipantRole, TimelineKind
from incidents.models import Service
from oncall import services as oncall_services
from tenancy.enums import Role
from tests.comms import factories

pytestmark = pytest.mark.django_db


def escalate(capture, run):
    with time_machine.travel(run.next_step_due_at + timedelta(seconds=1), tick=False), capture(execute=True):
        assert paging.paging_tick() == 1


def test_the_secondary_who_acknowledges_after_escalation_becomes_commander(
        paging_setup, api_client_for, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    alice, bob, org = paging_setup["alice"], paging_setup["bob"], paging_setup["org"]
    with capture(execute=True):
        incident = incident_services.incident_create(organization=org, title="API down", severity="P1",
                                                     service=paging_setup["service"])
    assert incident.commander == alice
    escalate(capture, EscalationRun.objects.get(incident=incident))
    bob_client = api_client_for(bob.memberships.get(organization=org))
    with capture(execute=True):
        response = bob_client.post(reverse("incidents-acknowledge", kwargs={"org_slug": org.slug,
                                                                            "number": incident.number}))
    assert response.status_code == 200, response.content
    assert response.json()["commander"]["id"] == bob.pk
    incident.refresh_from_db()
    assert incident.commander == bob
    roles = dict(incident.participants.values_list("user_id", "role"))
    assert roles == {bob.pk: ParticipantRole.COMMANDER, alice.pk: ParticipantRole.ENGINEER}
    handover = incident.timeline.filter(kind=TimelineKind.COMMANDER_ASSIGNED).get()
    assert handover.payload["previous"]["id"] == alice.pk
    assert "did not answer" in handover.payload["note"]
    ack = incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED)
    assert ack.payload["commander_assigned"]["id"] == bob.pk


def test_without_escalation_the_commander_keeps_command(paging_setup, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        incident = incident_services.incident_create(organization=paging_setup["org"], title="API down",
                                                     severity="P1", service=paging_setup["service"])
        incident = incident_services.incident_acknowledge(incident=incident, actor=paging_setup["bob"])
    assert incident.commander == paging_setup["alice"]
    assert not incident.timeline.filter(kind=TimelineKind.COMMANDER_ASSIGNED).exists()


@pytest.mark.parametrize("with_service", [False, True])
def test_no_service_or_no_policy_falls_back_to_the_default_policy(org, make_member, receiver, with_service,
                                                                 django_capture_on_commit_callbacks):
    carol = make_member(org, Role.RESPONDER, name="Carol").user
    factories.chat_method(org, carol, receiver.url("/carol"))
    factories.chain(org, carol, ("chat", 0), urgency="high")
    policy = oncall_services.escalation_policy_create(organization=org, name="Catch-all", is_default=True,
                                                      steps=[{"users": [carol], "delay_minutes": 5}])
    service = Service.objects.create(organization=org, name="Mailboxes") if with_service else None
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_create(organization=org, title="Mail down", severity="P1",
                                                     service=service)
    assert incident.commander == carol
    assert incident.paging_warning == ""
    assert EscalationRun.objects.get(incident=incident).policy_snapshot["id"] == policy.pk
    assert Notification.objects.filter(incident=incident, recipient=carol).exists()
    assert len(receiver.at("/carol")) == 1
    created = incident.timeline.get(kind=TimelineKind.INCIDENT_CREATED)
    assert "default policy" in created.payload["note"]


def test_one_default_per_org(org):
    first = oncall_services.escalation_policy_create(organization=org, name="A", is_default=True, steps=[])
    second = oncall_services.escalation_policy_create(organization=org, name="B", is_default=True, steps=[])
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_no_policy_at_all_warns_on_the_incident_and_in_the_api(org, member_of):
    _member, client = member_of(Role.RESPONDER)
    response = client.post(reverse("incidents-list", kwargs={"org_slug": org.slug}),
                           {"title": "Something", "severity": "P2"})
    assert response.status_code == 201, response.content
    warning = response.json()["paging_warning"]
    assert "pages nobody" in warning
    number = response.json()["number"]
    detail = client.get(reverse("incidents-detail", kwargs={"org_slug": org.slug, "number": number})).json()
    assert detail["paging_warning"] == warning
    timeline = client.get(reverse("incidents-timeline", kwargs={"org_slug": org.slug, "number": number})).json()
    events = timeline["results"] if isinstance(timeline, dict) else timeline
    assert any(event["payload"].get("paging_warning") == warning for event in events)
