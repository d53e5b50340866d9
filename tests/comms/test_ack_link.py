import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from comms import ack
from comms.enums import NotificationState, RunState
from comms.models import EscalationRun, Notification
from incidents import services as incident_services
from incidents.enums import IncidentStatus
from tests.comms import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def paged(paging_setup, django_capture_on_commit_callbacks):
    factories.chain(paging_setup["org"], paging_setup["alice"], ("chat", 0), ("email", 5))
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_create(organization=paging_setup["org"], title="API down",
                                                     severity="P1", service=paging_setup["service"])
    return {**paging_setup, "incident": incident}


def test_get_confirms_and_post_acknowledges_and_stops_everything(client, paged):
    incident, alice = paged["incident"], paged["alice"]
    link = ack.ack_url(incident=incident, user=alice)
    path = link.split("localhost:8000", 1)[-1]
    shown = client.get(path)
    assert shown.status_code == 200
    assert b"<form method=\"post\">" in shown.content
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED  # a link scanner's GET acknowledges nothing
    done = client.post(path)
    assert done.status_code == 200
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.timeline.filter(kind="acknowledged", actor=alice, payload__via="link").exists()
    run = EscalationRun.objects.get(incident=incident)
    assert run.state == RunState.ACKNOWLEDGED
    assert run.next_step_due_at is None
    pending = Notification.objects.get(incident=incident, channel="email")
    assert pending.state == NotificationState.CANCELLED


def test_the_link_is_bound_to_its_incident_and_person(client, paged):
    token = ack.ack_token(incident=paged["incident"], user=paged["alice"])
    tampered = token.replace(token.split(":")[0], signing.b64_encode(b'{"o":1,"i":999,"u":1}').decode())
    assert client.get(f"/ack/{tampered}/").status_code == 404
    assert client.post(f"/ack/{token[:-2]}xx/").status_code == 404


def test_the_link_expires(client, paged, settings):
    token = ack.ack_token(incident=paged["incident"], user=paged["alice"])
    with time_machine.travel(timezone.now() + timezone.timedelta(days=2)):
        response = client.post(f"/ack/{token}/")
    assert response.status_code == 410
    paged["incident"].refresh_from_db()
    assert paged["incident"].status == IncidentStatus.TRIGGERED


def test_a_person_no_longer_member_cannot_use_it(client, paged):
    token = ack.ack_token(incident=paged["incident"], user=paged["alice"])
    paged["org"].memberships.filter(user=paged["alice"]).delete()
    assert client.post(f"/ack/{token}/").status_code == 404
