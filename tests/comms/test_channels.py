import hashlib
import hmac

import pytest
from django.core import mail

from comms import channels, crypto
from comms.channels import Message, Target

pytestmark = pytest.mark.django_db


def message(**extra):
    return Message(subject="PAGE [P1] #1 API down", text="API down\nAck: http://x/ack/t/", html="<b>API down</b>",
                   short="You are paged: API down", ack_url="http://x/ack/t/", idempotency_key="1:0:0:u1:sms",
                   tags=["page", "extra"], metadata={"notification_id": "7", "idempotency_key": "1:0:0:u1:sms"},
                   **extra)


def test_email_has_text_html_tags_and_metadata():
    provider_id = channels.send("email", message(), Target(address="alice@example.test"))
    sent = mail.outbox[-1]
    assert sent.to == ["alice@example.test"]
    assert sent.alternatives[0][1] == "text/html"
    assert sent.tags == ["page"]
    assert sent.metadata["notification_id"] == "7"
    assert "http://x/ack/t/" in sent.body
    assert provider_id != ""


def test_chat_posts_slack_json_with_ack_button(receiver):
    channels.send("chat", message(), Target(address=receiver.url("/hook")))
    body = receiver.at("/hook")[0].json()
    assert body["text"].startswith("API down")
    assert body["blocks"][1]["elements"][0]["url"] == "http://x/ack/t/"
    assert receiver.at("/hook")[0].headers["Idempotency-Key"] == "1:0:0:u1:sms"


def test_generic_webhook_is_signed(receiver):
    channels.send("webhook", message(), Target(address=receiver.url("/wh"), secret="s3cret"))
    received = receiver.at("/wh")[0]
    expected = hmac.new(b"s3cret", received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Foghorn-Signature"] == f"sha256={expected}"
    assert crypto.sign("s3cret", received.body) == expected


def test_twilio_sms_and_voice_use_the_configured_api(receiver, settings):
    settings.TWILIO_ACCOUNT_SID = "AC1"
    settings.TWILIO_AUTH_TOKEN = "tok"
    settings.TWILIO_FROM_NUMBER = "+15550000000"
    settings.TWILIO_API_BASE = receiver.base
    assert channels.send("sms", message(), Target(address="+14155550100")) == "SM123"
    channels.send("voice", message(), Target(address="+14155550100"))
    sms, call = receiver.at("/2010-04-01/Accounts/AC1/")
    assert sms.path.endswith("/Messages.json")
    assert sms.form()["To"] == "+14155550100"
    assert "http://x/ack/t/" in sms.form()["Body"]
    assert sms.headers["Authorization"].startswith("Basic ")
    assert call.path.endswith("/Calls.json")
    assert "<Say" in call.form()["Twiml"]


def test_unconfigured_twilio_is_permanent(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(channels.PermanentError):
        channels.send("sms", message(), Target(address="+14155550100"))


@pytest.mark.parametrize(("status", "error"), [(500, channels.TransientError), (503, channels.TransientError),
                                               (429, channels.TransientError), (404, channels.PermanentError),
                                               (400, channels.PermanentError)])
def test_http_failures_are_classified(receiver, status, error):
    receiver.respond("/x", status=status)
    with pytest.raises(error):
        channels.send("chat", message(), Target(address=receiver.url("/x")))


def test_connection_refused_is_transient():
    with pytest.raises(channels.TransientError):
        channels.send("chat", message(), Target(address="http://127.0.0.1:9/nothing"))


def test_fernet_roundtrip_and_redaction():
    token = crypto.encrypt("https://hooks.slack.com/services/A/B/C1234")
    assert "hooks" not in token
    assert crypto.decrypt(token).endswith("C1234")
    assert crypto.redact_url("https://hooks.slack.com/services/A/B/C1234") == "https://hooks.slack.com/…1234"
