"""Outbound sends that fail: short timeouts, the per-destination circuit breaker, what is kept of a receiver's
answer, and org chat announcements that outlast a chat outage (retry schedule, then email to the admins)."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comms.enums import NotificationState, Purpose
from comms.models import Notification, OutboundCircuit, WebhookDelivery
from comms.services import circuits, contacts, delivery, webhooks
from incidents import services as incident_services
from incidents.enums import TimelineKind
from tenancy.enums import Role
from tests.comms import factories
from tests.comms.receiver import BlackHole

pytestmark = pytest.mark.django_db


def trigger(setup, capture, severity="P1"):
    with capture(execute=True):
        return incident_services.incident_create(organization=setup["org"], title="API down", severity=severity,
                                                 service=setup["service"])


def texts(incident, kind=None):
    events = incident.timeline.all() if kind is None else incident.timeline.filter(kind=kind)
    return [event.payload.get("text", "") for event in events]


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture
def short_timeouts(settings):
    settings.COMMS_HTTP_CONNECT_TIMEOUT = 0.5
    settings.COMMS_HTTP_TIMEOUT = 0.5
    settings.COMMS_CIRCUIT_FAILURES = 3
    settings.COMMS_CIRCUIT_OPEN_SECONDS = 60
    return settings


def test_a_black_hole_opens_its_circuit_and_later_sends_skip_it(
        paging_setup, black_hole, short_timeouts, django_capture_on_commit_callbacks):
    """Three sends time out (each bounded by the short read timeout); the third opens the circuit, on the
    timeline; the fourth skips the destination at once, and the page falls through to the next channel."""
    org, alice = paging_setup["org"], paging_setup["alice"]
    contacts.contact_method_create(organization=org, user=alice, kind="webhook", value=black_hole.url("/alice"))
    factories.chain(org, alice, ("webhook", 0), ("email", 10))
    incidents = []
    for _ in range(3):
        started = time.monotonic()
        incidents.append(trigger(paging_setup, django_capture_on_commit_callbacks))
        assert time.monotonic() - started < 5  # bounded by the read timeout, not hung
    circuit = OutboundCircuit.objects.get(organization=org)
    assert circuit.failures == 3
    assert circuit.open_until > timezone.now()
    assert any("skipping it until" in text for text in texts(incidents[-1], TimelineKind.SYSTEM))
    started = time.monotonic()
    skipped = trigger(paging_setup, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 2  # no timeout waited for
    hook = Notification.objects.get(incident=skipped, recipient=alice, channel="webhook")
    assert hook.state == NotificationState.FAILED
    assert "circuit is open" in hook.last_error
    assert any("circuit is open" in text for text in texts(skipped, TimelineKind.NOTIFICATION_FAILED))
    assert Notification.objects.get(incident=skipped, recipient=alice, channel="email").state == "sent"


def test_the_circuit_closes_after_a_success(paging_setup, short_timeouts, django_capture_on_commit_callbacks):
    org, receiver = paging_setup["org"], paging_setup["receiver"]
    short_timeouts.COMMS_CIRCUIT_OPEN_SECONDS = 0
    answers = iter([503, 503, 503, 200])
    receiver.respond("/alice", status=lambda: next(answers, 200))
    for _ in range(3):
        trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    assert OutboundCircuit.objects.get(organization=org).failures == 3
    trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    assert OutboundCircuit.objects.get(organization=org).failures == 0


def test_circuits_are_per_organization(paging_setup, make_org, short_timeouts, django_capture_on_commit_callbacks):
    org, receiver = paging_setup["org"], paging_setup["receiver"]
    receiver.respond("/alice", status=503)
    for _ in range(3):
        trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    other = make_org()
    assert OutboundCircuit.objects.filter(organization=org).count() == 1
    assert not OutboundCircuit.objects.filter(organization=other).exists()


def test_a_receivers_error_body_is_not_kept_and_viewers_see_no_error(
        paging_setup, member_of, django_capture_on_commit_callbacks):
    receiver = paging_setup["receiver"]
    receiver.respond("/alice", status=500, body=b"<html>stack trace: password=hunter2</html>")
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    chat = Notification.objects.get(incident=incident, recipient=paging_setup["alice"])
    assert chat.last_error == "HTTP 500 Internal Server Error"
    assert not any("hunter2" in text or "Internal Server Error" in text for text in texts(incident))
    path = reverse("incident-notifications-list", kwargs={"org_slug": paging_setup["org"].slug,
                                                          "number": incident.number})
    _viewer, viewer_client = member_of(Role.VIEWER)
    seen = viewer_client.get(path).json()["results"]
    assert seen
    assert all("last_error" not in row for row in seen)
    _responder, responder_client = member_of(Role.RESPONDER)
    rows = responder_client.get(path).json()["results"]
    assert "HTTP 500 Internal Server Error" in [row["last_error"] for row in rows]


def test_a_webhook_endpoint_keeps_the_status_code_not_the_body(
        paging_setup, django_capture_on_commit_callbacks):
    org, receiver = paging_setup["org"], paging_setup["receiver"]
    contacts.webhook_endpoint_create(organization=org, name="ops", url=receiver.url("/ops"))
    receiver.respond("/ops", status=502, body=b"upstream secret token=abc")
    trigger(paging_setup, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.filter(organization=org).first()
    assert row.last_status_code == 502
    assert row.last_error == "HTTP 502 Bad Gateway"


def test_an_announcement_outlasts_a_chat_outage_then_goes_to_the_admins_by_email(
        paging_setup, make_member, settings, django_capture_on_commit_callbacks):
    """#incidents answers 503 for the whole schedule (~20 min): each retry is on the timeline, and at the
    end the org's admins get the announcement by email, also on the timeline."""
    org, receiver = paging_setup["org"], paging_setup["receiver"]
    admin = make_member(org, Role.ADMIN, name="Ada Admin").user
    receiver.respond("/incidents", status=503)
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    announcement = Notification.objects.get(incident=incident, purpose=Purpose.ANNOUNCEMENT, channel="chat")
    schedule = [10, 30, 60, 120, 240, 360, 420]
    for attempt, seconds in enumerate(schedule, start=1):
        announcement.refresh_from_db()
        assert announcement.state == NotificationState.PENDING, attempt
        assert announcement.attempts == attempt
        assert (announcement.due_at - timezone.now()).total_seconds() > seconds - 5
        with time_machine.travel(announcement.due_at + timedelta(seconds=1), tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            delivery.notifications_tick()
    announcement.refresh_from_db()
    assert announcement.state == NotificationState.FAILED
    assert len(receiver.at("/incidents")) == len(schedule) + 1
    retries = [text for text in texts(incident, TimelineKind.PAGING_DEFERRED) if "Announcement" in text]
    assert len(retries) == len(schedule)
    emailed = Notification.objects.get(incident=incident, purpose=Purpose.ANNOUNCEMENT, channel="email",
                                       recipient=admin)
    assert emailed.state == NotificationState.SENT
    assert admin.email in [address for message in mail.outbox for address in message.to]
    assert any("emailed it to the admins" in text for text in texts(incident, TimelineKind.SYSTEM))


def test_an_announcement_delivered_on_a_retry_sends_no_email(paging_setup, make_member,
                                                           django_capture_on_commit_callbacks):
    org, receiver = paging_setup["org"], paging_setup["receiver"]
    make_member(org, Role.ADMIN)
    answers = iter([503, 503, 200])
    receiver.respond("/incidents", status=lambda: next(answers, 200))
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    announcement = Notification.objects.get(incident=incident, purpose=Purpose.ANNOUNCEMENT)
    for _ in range(2):
        announcement.refresh_from_db()
        with time_machine.travel(announcement.due_at + timedelta(seconds=1), tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            delivery.notifications_tick()
    announcement.refresh_from_db()
    assert announcement.state == NotificationState.SENT
    assert not Notification.objects.filter(incident=incident, purpose=Purpose.ANNOUNCEMENT, channel="email").exists()


def test_an_open_circuit_delays_a_webhook_delivery_until_it_closes(
        paging_setup, black_hole, short_timeouts, django_capture_on_commit_callbacks):
    org = paging_setup["org"]
    contacts.webhook_endpoint_create(organization=org, name="ops", url=black_hole.url("/ops"))
    short_timeouts.COMMS_CIRCUIT_FAILURES = 1
    trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    circuit = OutboundCircuit.objects.get(organization=org)
    assert circuit.open_until is not None
    second = trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    row = WebhookDelivery.objects.get(incident=second)
    assert "circuit is open" in row.last_error
    assert row.next_attempt_at >= circuit.open_until
    assert webhooks.webhooks_tick() == 0  # nothing due before the circuit closes


def test_the_admin_lists_only_the_staff_members_organizations_circuits(
        client, paging_setup, make_org, make_member, short_timeouts, django_capture_on_commit_callbacks):
    org, receiver = paging_setup["org"], paging_setup["receiver"]
    receiver.respond("/alice", status=503)
    for _ in range(3):
        trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    other = make_org(name="Other")
    circuits.circuit_failure(organization_id=other.pk, url="https://other.example/hook", reason="HTTP 500")
    admin = make_member(org, Role.ADMIN, is_staff=True).user
    client.force_login(admin)
    page = client.get(reverse("admin:comms_outboundcircuit_changelist"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "/…lice" in content
    assert "other.example" not in content
