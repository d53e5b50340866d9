"""Data that would break the metrics (issue 10): moments in the future, acknowledgments never recorded,
policies and rotations that cannot page as meant, orderings nobody offers. Each is a 400 naming the
field, or is recorded after all."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.enums import IncidentStatus, TimelineKind
from tenancy.enums import Role

pytestmark = pytest.mark.django_db


def api(org, name, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_a_future_detected_at_is_refused(org, member_of):
    _member, client = member_of(Role.RESPONDER)
    future = (timezone.now() + timedelta(days=365 * 973)).isoformat()
    response = client.post(api(org, "incidents-list"), {"title": "Time travel", "severity": "P2",
                                                         "detected_at": future})
    assert response.status_code == 400
    assert "detected_at" in response.json()["errors"]
    assert not org_incidents(org)
    past = (timezone.now() - timedelta(minutes=30)).isoformat()
    ok = client.post(api(org, "incidents-list"), {"title": "Earlier", "severity": "P2", "detected_at": past})
    assert ok.status_code == 201


def org_incidents(org):
    from incidents.models import Incident

    return list(Incident.objects.filter(organization=org))


def test_acknowledging_an_incident_already_in_monitoring_records_the_moment(org, make_member, member_of):
    responder, client = member_of(Role.RESPONDER)
    incident = services.incident_create(organization=org, title="Flapping", severity="P2")
    incident = services.incident_transition(incident=incident, status=IncidentStatus.MONITORING, system=True)
    assert incident.acknowledged_at is None
    response = client.post(api(org, "incidents-acknowledge", number=incident.number))
    assert response.status_code == 200
    assert response.json()["status"] == "monitoring"
    assert response.json()["acknowledged_at"] is not None
    incident.refresh_from_db()
    assert incident.acknowledged_at >= incident.detected_at
    ack = incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED)
    assert ack.payload["late"] is True
    assert ack.actor_id == responder.user_id
    first = incident.acknowledged_at
    client.post(api(org, "incidents-acknowledge", number=incident.number))
    incident.refresh_from_db()
    assert incident.acknowledged_at == first  # the first acknowledgment counts


@pytest.mark.parametrize("steps", [None, []])
def test_a_policy_with_zero_steps_is_refused(org, member_of, steps):
    _admin, client = member_of(Role.ADMIN)
    body = {"name": "Empty"} if steps is None else {"name": "Empty", "steps": steps}
    response = client.post(api(org, "escalation-policies-list"), body, format="json")
    assert response.status_code == 400
    assert "steps" in response.json()["errors"]


def test_a_duplicate_participant_is_refused(org, member_of, make_member):
    _admin, client = member_of(Role.ADMIN)
    ann = make_member(org, Role.RESPONDER).user
    response = client.post(api(org, "schedules-list"), {"name": "Primary", "layers": [{
        "participants": [ann.pk, ann.pk], "rotation_start": "2026-11-23T09:00:00"}]}, format="json")
    assert response.status_code == 400
    assert "participants" in response.json()["errors"]["layers"]["0"]


@pytest.mark.parametrize("route", ["incidents-list", "members-list", "escalation-policies-list"])
def test_an_unknown_ordering_is_refused(org, member_of, route):
    _admin, client = member_of(Role.ADMIN)
    response = client.get(api(org, route), {"ordering": "-password"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]
    assert client.get(api(org, "incidents-list"), {"ordering": "-detected_at"}).status_code == 200
