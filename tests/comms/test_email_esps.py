"""Email paging (and the other comms emails) through the real Anymail backends of Postmark, SendGrid, Mailgun,
Brevo and Resend, their API URLs at a local stand-in: "Postmark does not support multiple tags" must not
happen again, and each ESP gets what it supports (one tag, metadata for tracking)."""

import pytest

from comms.enums import NotificationState, Purpose
from comms.models import Notification
from comms.services import contacts
from incidents import services as incident_services
from tests.comms import factories
from tests.comms.esp import ESP_NAMES, esp_backend  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def trigger(setup, capture, severity="P1"):
    with capture(execute=True):
        return incident_services.incident_create(organization=setup["org"], title="API down", severity=severity,
                                                 service=setup["service"])


@pytest.mark.parametrize("esp_name", ESP_NAMES)
def test_an_email_page_goes_out_through_each_esp(esp_backend, esp_name, paging_setup,  # noqa: F811
                                                 django_capture_on_commit_callbacks):
    esp = esp_backend(esp_name)
    org, alice = paging_setup["org"], paging_setup["alice"]
    factories.chain(org, alice, ("email", 0))
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    page = Notification.objects.get(incident=incident, recipient=alice, channel="email")
    assert page.state == NotificationState.SENT, page.last_error
    assert page.provider_message_id
    [sent] = esp.messages()
    assert sent.to == [alice.email]
    assert "PAGE" in sent.subject
    assert "/ack/" in sent.text  # the one-click acknowledge link
    assert sent.tags == ["page"]
    assert sent.metadata["notification_id"] == str(page.pk)
    assert sent.metadata["idempotency_key"] == page.idempotency_key


@pytest.mark.parametrize("esp_name", ESP_NAMES)
def test_an_announcement_to_an_email_list_goes_out_through_each_esp(esp_backend, esp_name,  # noqa: F811
                                                                    paging_setup, django_capture_on_commit_callbacks):
    esp = esp_backend(esp_name)
    org = paging_setup["org"]
    contacts.severity_route_save(organization=org, severity_name="P3", person_channels=["chat"],
                                 announce_emails=["engineering@example.test"])
    incident = trigger(paging_setup, django_capture_on_commit_callbacks, severity="P3")
    announcement = Notification.objects.get(incident=incident, purpose=Purpose.ANNOUNCEMENT, channel="email")
    assert announcement.state == NotificationState.SENT, announcement.last_error
    [sent] = [message for message in esp.messages() if message.to == ["engineering@example.test"]]
    assert sent.tags == ["announcement"]
    assert "/ack/" not in sent.text


def test_an_esp_error_keeps_the_status_not_the_body(esp_backend, paging_setup,  # noqa: F811
                                                    django_capture_on_commit_callbacks):
    esp = esp_backend("postmark")
    esp.receiver.respond("/email", status=422, body=b'{"ErrorCode": 300, "Message": "Invalid To: secret detail"}')
    org, alice = paging_setup["org"], paging_setup["alice"]
    factories.chain(org, alice, ("email", 0))
    incident = trigger(paging_setup, django_capture_on_commit_callbacks)
    page = Notification.objects.get(incident=incident, recipient=alice, channel="email")
    assert page.state == NotificationState.FAILED
    assert page.last_error == "Email provider answered HTTP 422 Unprocessable Entity"
