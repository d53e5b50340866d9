"""Subscriber mail through a real Anymail ESP backend (Postmark's) pointed at a local receiver: the
one-click unsubscribe headers and the idempotency key reach the provider's API."""

import json

import pytest

from comms.enums import NotificationState, Purpose
from comms.models import Notification
from comms.statuspage.services import subscribers
from tests.comms.receiver import HttpReceiver
from tests.statuspage import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def postmark(settings):
    receiver = HttpReceiver().start()
    receiver.respond("/postmark/", body=json.dumps({"To": "ops@example.test", "SubmittedAt": "2026-12-01T00:00:00Z",
                                                    "MessageID": "pm-0001", "ErrorCode": 0,
                                                    "Message": "OK"}).encode())
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "server-token", "POSTMARK_API_URL": receiver.url("/postmark/")}
    yield receiver
    receiver.stop()


def test_a_public_update_reaches_the_esp_with_one_click_unsubscribe(status_setup, postmark,
                                                                    django_capture_on_commit_callbacks):
    subscribers.subscribers_import(organization=status_setup["org"], emails=["ops@example.test"], reason="test")
    with django_capture_on_commit_callbacks(execute=True):
        incident = factories.incident(status_setup["org"], status_setup["api"])
        update = factories.public_update(incident, title="Slow website", body="We are on it.")
    [sent] = [r for r in postmark.requests if r.path == "/postmark/email"]
    body = sent.json()
    assert sent.headers["X-Postmark-Server-Token"] == "server-token"
    assert body["To"] == "ops@example.test"
    assert "Slow website" in body["Subject"]
    headers = {h["Name"]: h["Value"] for h in body["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http")
    assert "/unsubscribe>" in headers["List-Unsubscribe"]
    row = Notification.objects.get(organization=status_setup["org"], purpose=Purpose.SUBSCRIBER)
    assert row.idempotency_key.startswith(f"sp:u:{update.public_id}:")
    assert headers["X-Foghorn-Idempotency-Key"] == row.idempotency_key
    assert row.last_error == ""
    assert (row.state, row.provider_message_id) == (NotificationState.SENT, "pm-0001")

