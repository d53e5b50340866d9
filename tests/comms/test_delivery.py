from datetime import timedelta

import pytest
import time_machine
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.utils import timezone

from comms.enums import NotificationState
from comms.models import EscalationRun, Notification
from comms.services import contacts, delivery
from incidents import services as incident_services
from incidents.enums import TimelineKind
from tests.comms import factories

pytestmark = pytest.mark.django_db


def trigger(setup, capture, severity="P1"):
    with capture(execute=True):
        return incident_services.incident_create(organization=setup["org"], title="API down", severity=severity,
                                                 service=setup["service"])


def kinds(incident):
    return list(incident.timeline.values_list("kind", flat=True))


def test_permanent_failure_is_noted_and_falls_through_to_the_next_channel(
        paging_setup, django_capture_on_commit_callbacks):
    org, alice, receiver = paging_setup["org"], paging_setup["alice"], paging_setup["receiver"]
    factories.chain(org, alice, ("chat", 0), ("email", 10))
    receiver.respond("/alice", status=404)
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    chat = Notification.objects.get(incident=incident, recipient=alice, channel="chat")
    email = Notification.objects.get(incident=incident, recipient=alice, channel="email")
    assert chat.state == NotificationState.FAILED
    assert "404" in chat.last_error
    assert email.state == NotificationState.SENT  # brought forward from +10 min
    assert mail.outbox[-1].to == [alice.email]
    assert TimelineKind.NOTIFICATION_FAILED in kinds(incident)


def test_transient_failure_retries_with_backoff_then_succeeds(paging_setup, django_capture_on_commit_callbacks):
    receiver = paging_setup["receiver"]
    answers = iter([503, 200])
    receiver.respond("/alice", status=lambda: next(answers))
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    chat = Notification.objects.get(incident=incident, recipient=paging_setup["alice"])
    assert chat.state == NotificationState.PENDING
    assert chat.attempts == 1
    assert chat.due_at > timezone.now()
    with time_machine.travel(chat.due_at + timedelta(seconds=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        delivery.notifications_tick()
    chat.refresh_from_db()
    assert chat.state == NotificationState.SENT
    assert chat.attempts == 2
    assert len(receiver.at("/alice")) == 2


def test_throttle_defers_and_writes_the_timeline(paging_setup, django_capture_on_commit_callbacks):
    org, alice = paging_setup["org"], paging_setup["alice"]
    contacts.channel_throttle_save(organization=org, channel="chat", max_count=1, per_seconds=60)
    first = trigger(paging_setup, django_capture_on_commit_callbacks)
    second = trigger(paging_setup, django_capture_on_commit_callbacks)
    assert Notification.objects.get(incident=first, recipient=alice).state == NotificationState.SENT
    deferred = Notification.objects.get(incident=second, recipient=alice)
    assert deferred.state == NotificationState.PENDING
    assert deferred.due_at > timezone.now() + timedelta(seconds=50)
    assert TimelineKind.PAGING_DEFERRED in kinds(second)
    with time_machine.travel(deferred.due_at + timedelta(seconds=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        delivery.notifications_tick()
    deferred.refresh_from_db()
    assert deferred.state == NotificationState.SENT


def test_severity_raise_repages_with_stronger_channels(paging_setup, django_capture_on_commit_callbacks):
    org, alice = paging_setup["org"], paging_setup["alice"]
    contacts.contact_method_create(organization=org, user=alice, kind="webhook",
                                   value=paging_setup["receiver"].url("/alice-hook"))
    contacts.severity_route_save(organization=org, severity_name="P0", person_channels=["webhook", "chat"],
                                 announce_emails=[])
    incident = trigger(paging_setup, django_capture_on_commit_callbacks, severity="P2")
    assert len(paging_setup["receiver"].at("/alice")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_change_severity(incident=incident, severity="P0")
    assert len(paging_setup["receiver"].at("/alice-hook")) == 1
    assert len(paging_setup["receiver"].at("/alice")) == 1  # chat already sent: same key, not twice
    assert len(paging_setup["receiver"].at("/incidents")) == 1  # #incidents covers P0/P1, announced on the raise
    assert EscalationRun.objects.get(incident=incident).severity_name == "P0"


def test_anymail_tracking_updates_the_notification(paging_setup, django_capture_on_commit_callbacks):
    org, alice = paging_setup["org"], paging_setup["alice"]
    factories.chain(org, alice, ("email", 0), ("chat", 5))
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    email = Notification.objects.get(incident=incident, recipient=alice, channel="email")
    assert email.state == NotificationState.SENT
    event = AnymailTrackingEvent(event_type="delivered", message_id=email.provider_message_id,
                                 metadata={"notification_id": str(email.pk), "idempotency_key": email.idempotency_key})
    tracking.send(sender=object, event=event, esp_name="Test")
    email.refresh_from_db()
    assert email.state == NotificationState.DELIVERED
    bounce = AnymailTrackingEvent(event_type="bounced", message_id=email.provider_message_id, metadata={},
                                  description="mailbox full")
    with django_capture_on_commit_callbacks(execute=True):
        tracking.send(sender=object, event=bounce, esp_name="Test")
    email.refresh_from_db()
    assert email.state == NotificationState.BOUNCED
    # The bounce falls through: Alice's chat (due in 5 min) goes now.
    assert Notification.objects.get(incident=incident, recipient=alice, channel="chat").state == "sent"


def test_anymail_tracking_webhook_url_with_basic_auth(client, settings, paging_setup,
                                                      django_capture_on_commit_callbacks):
    import base64
    import json

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "user:pass", "POSTMARK_SERVER_TOKEN": "t"}
    org, alice = paging_setup["org"], paging_setup["alice"]
    factories.chain(org, alice, ("email", 0))
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    email = Notification.objects.get(incident=incident, recipient=alice, channel="email")
    body = {"RecordType": "Delivery", "MessageID": "abc", "Recipient": alice.email,
            "DeliveredAt": "2025-01-01T00:00:00Z", "Tag": "page",
            "Metadata": {"notification_id": str(email.pk), "idempotency_key": email.idempotency_key}}
    auth = "Basic " + base64.b64encode(b"user:pass").decode()
    refused = client.post("/anymail/postmark/tracking/", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    response = client.post("/anymail/postmark/tracking/", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.state == NotificationState.DELIVERED


def test_one_sms_a_minute_per_number_by_default(paging_setup, receiver, settings,
                                                django_capture_on_commit_callbacks):
    settings.TWILIO_ACCOUNT_SID = "AC1"
    settings.TWILIO_AUTH_TOKEN = "tok"
    settings.TWILIO_FROM_NUMBER = "+15550000000"
    settings.TWILIO_API_BASE = receiver.base
    org, alice = paging_setup["org"], paging_setup["alice"]
    contacts.contact_method_create(organization=org, user=alice, kind="sms", value="+14155550100")
    factories.chain(org, alice, ("sms", 0))
    first = trigger(paging_setup, django_capture_on_commit_callbacks)
    second = trigger(paging_setup, django_capture_on_commit_callbacks)
    assert Notification.objects.get(incident=first, recipient=alice, channel="sms").provider_message_id == "SM123"
    deferred = Notification.objects.get(incident=second, recipient=alice, channel="sms")
    assert deferred.state == NotificationState.PENDING
    event = second.timeline.get(kind=TimelineKind.PAGING_DEFERRED)
    assert "throttle" in event.payload["text"]
    assert len(receiver.at("/2010-04-01/Accounts/AC1/Messages.json")) == 1
