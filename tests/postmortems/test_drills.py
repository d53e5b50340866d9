"""Drills: a real incident flagged is_drill through the same flow, training recorded on completion."""

import pytest
from django.utils import timezone

from comms.models import EscalationRun
from incidents.models import Participant
from incidents.services import catalog
from oncall import services as oncall_services
from postmortems import services
from postmortems.models import TrainingRecord
from tenancy.enums import Role
from tenancy.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def drill(org, alice, admin_member, service):
    return services.drill_create(organization=org, title="Database failover", scenario="The primary dies.",
                                 scheduled_at=timezone.now(), facilitator=admin_member.user, participants=[alice],
                                 service=service)


def test_running_opens_a_drill_incident_commanded_by_the_facilitator(drill, alice, admin_member,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        drill = services.drill_run(drill=drill)
    incident = drill.incident
    assert (incident.is_drill, incident.title, incident.severity.name) == (True, "[DRILL] Database failover", "P1")
    assert incident.commander == admin_member.user
    assert Participant.objects.filter(incident=incident, user=alice).exists()
    assert not EscalationRun.objects.filter(incident=incident).exists()  # drills page nobody
    with pytest.raises(ApplicationError) as refused:
        services.drill_run(drill=drill)
    assert refused.value.status_code == 409


def test_completing_records_training_once_per_person(drill, alice, admin_member):
    drill = services.drill_run(drill=drill)
    services.drill_complete(drill=drill, outcome_notes="Failover in 4 min", findings="Runbook step 3 outdated")
    records = TrainingRecord.objects.filter(drill=drill)
    assert sorted(record.user_id for record in records) == sorted([alice.pk, admin_member.user_id])
    assert all(record.expires_at > record.completed_at for record in records)
    with pytest.raises(ApplicationError) as refused:
        services.drill_complete(drill=drill)
    assert refused.value.status_code == 409
    assert TrainingRecord.objects.filter(drill=drill).count() == 2


def test_a_drill_needs_a_scenario(org):
    with pytest.raises(ApplicationError) as refused:
        services.drill_create(organization=org, title="x", scheduled_at=timezone.now())
    assert refused.value.errors.keys() == {"scenario"}


@pytest.mark.parametrize(("role", "create", "run"), [(Role.VIEWER, 403, 403), (Role.RESPONDER, 403, 200),
                                                     (Role.ADMIN, 201, 200)])
def test_drill_api_role_matrix(org, member_of, drill, alice, role, create, run):
    _member, client = member_of(role)
    base = f"/api/v1/orgs/{org.slug}/drills/"
    response = client.post(base, {"title": "Tabletop", "scenario": "API down", "scheduled_at": "2026-12-10T10:00Z",
                                  "participants": [alice.pk]})
    assert response.status_code == create
    response = client.post(f"{base}{drill.pk}/run/")
    assert response.status_code == run
    if run == 200:
        assert response.json()["incident"]["is_drill"] is True
        done = client.post(f"{base}{drill.pk}/complete/", {"outcome_notes": "ok"})
        assert done.status_code == 200
        assert done.json()["status"] == "completed"


@pytest.mark.parametrize(("role", "expected"), [(Role.RESPONDER, 403), (Role.ADMIN, 201)])
def test_training_record_api(org, member_of, alice, role, expected):
    _member, client = member_of(role)
    url = f"/api/v1/orgs/{org.slug}/training-records/"
    response = client.post(url, {"user": alice.pk, "course": "Incident response 101",
                                 "completed_at": "2026-11-01T10:00:00Z", "expires_at": "2027-11-01T10:00:00Z"})
    assert response.status_code == expected
    if expected == 201:
        assert response.json()["current"] is True
        bad = client.post(url, {"user": alice.pk, "course": "x", "completed_at": "2026-11-01T10:00:00Z",
                                "expires_at": "2026-10-01T10:00:00Z"})
        assert bad.json()["errors"].keys() == {"expires_at"}


def test_a_drill_that_asks_pages_people_labelled_drill(org, alice, admin_member, service,
                                                      django_capture_on_commit_callbacks):
    policy = oncall_services.escalation_policy_create(organization=org, name="Drill policy",
                                                      steps=[{"delay_minutes": 0, "users": [alice]}])
    catalog.service_update(service=service, escalation_policy=policy)
    drill = services.drill_create(organization=org, title="Paged failover", scenario="The primary dies.",
                                  scheduled_at=timezone.now(), facilitator=admin_member.user, service=service,
                                  page_people=True)
    with django_capture_on_commit_callbacks(execute=True):
        drill = services.drill_run(drill=drill)
    run = EscalationRun.objects.get(incident=drill.incident)
    assert run.notifications.filter(recipient=alice).exists()  # paged like a real incident
    assert drill.incident.title.startswith("[DRILL]")  # so every page says DRILL
    assert drill.incident.timeline.filter(kind="note", payload__text__icontains="labelled DRILL").exists()
