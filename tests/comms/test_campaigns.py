"""Affected-user email: only after resolution, batch-sent with merge data in the ESP's batch size, one
ledger row per recipient, a second start is a 409, never twice across retries, bounces land on the rows."""

from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comms.enums import CampaignState, Purpose
from comms.models import EmailCampaign, Notification
from comms.services import campaigns
from tenancy.enums import Role
from tests.comms.campaign_setup import MAILGUN_OK, add_people, mailgun_sends, mailgun_settings, resolve
from tests.comms.status_setup import plan_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anymail_test_backend(settings):
    """pytest-django swaps in Django's locmem backend; these tests use Anymail's test ESP (batch + merge)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


@pytest.fixture
def world(org, make_member, receiver, api_client_for):
    incident, john = plan_incident(org, make_member, receiver)
    client = api_client_for(make_member(org, Role.RESPONDER))
    url = reverse("incident-affected-users-email", kwargs={"org_slug": org.slug, "number": incident.number})
    return incident, john, client, url


def test_only_after_resolution_then_once_per_campaign_name(world, django_capture_on_commit_callbacks):
    incident, john, client, url = world
    add_people(incident, 3)
    assert client.post(url, {}).status_code == 409  # still open
    resolve(incident, john)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"compensation": "We've added a week of Pro to your account."})
    assert started.status_code == 202, started.content
    assert len(mail.outbox) == 1  # one batch for three recipients
    sent = mail.outbox[0]
    assert sorted(sent.to) == ["user0@example.com", "user1@example.com", "user2@example.com"]
    assert sent.subject == "Service Disruption Oct 13, 2025 - Resolved"
    assert sent.body.startswith("Hi {{name}},\n\nWe experienced a service disruption on Oct 13, 2025 from 14:30 UTC")
    assert "We apologize for the inconvenience. We've added a week of Pro to your account." in sent.body
    assert sent.body.endswith(f"- {incident.organization.name} Team")
    params = sent.anymail_test_params
    assert params["merge_data"]["user1@example.com"]["name"] == "User 1"
    rows = Notification.objects.filter(campaign__incident=incident)
    assert rows.count() == 3
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert set(rows.values_list("purpose", flat=True)) == {Purpose.AFFECTED_USER}
    assert params["merge_metadata"]["user0@example.com"]["notification_id"] == str(
        rows.get(address="user0@example.com").pk)
    again = client.post(url, {})
    assert again.status_code == 409
    assert "name" in again.json()["errors"]
    progress = client.get(url).json()[0]
    assert progress["state"] == "sent"
    assert progress["progress"] == {"total": 3, "queued": 0, "sent": 3, "failed": 0, "delivered": 0,
                                    "bounced": 0, "complained": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"name": "correction"}).status_code == 202
    assert len(mail.outbox) == 2


def test_a_retried_or_duplicated_task_emails_nobody_twice(world, django_capture_on_commit_callbacks):
    incident, john, _client, _url = world
    add_people(incident, 4)
    resolve(incident, john)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaigns.campaign_start(incident=incident, created_by=john)
    assert len(mail.outbox) == 1
    assert campaigns.campaign_send(campaign_id=campaign.pk) == "noop"
    EmailCampaign.objects.filter(pk=campaign.pk).update(state=CampaignState.SENDING)  # as if redelivered mid-way
    assert campaigns.campaign_send(campaign_id=campaign.pk) == "sent"
    assert len(mail.outbox) == 1


def test_rows_left_by_a_dead_worker_are_resent_only_if_never_handed(world, settings):
    incident, john, _client, _url = world
    settings.COMMS_CAMPAIGN_BATCH_SIZE = 2
    add_people(incident, 4)
    resolve(incident, john)
    campaign = campaigns.campaign_start(incident=incident, created_by=john)
    campaigns._materialize(campaign)
    rows = list(Notification.objects.filter(campaign=campaign).order_by("pk"))
    past = timezone.now() - timedelta(minutes=5)
    # What a SIGKILL leaves: two rows claimed but not handed, one handed to the ESP with no recorded outcome.
    Notification.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(state="sending", lease_until=past)
    Notification.objects.filter(pk=rows[2].pk).update(state="sending", lease_until=past, sent_at=past)
    EmailCampaign.objects.filter(pk=campaign.pk).update(state=CampaignState.SENDING, lease_until=past)
    assert campaigns.campaign_send(campaign_id=campaign.pk) == "sent"
    emailed = sorted(address for message in mail.outbox for address in message.to)
    assert emailed == sorted([rows[0].address, rows[1].address, rows[3].address])
    unknown = Notification.objects.get(pk=rows[2].pk)
    assert unknown.state == "failed"
    assert "outcome unknown" in unknown.last_error


def test_batches_of_the_esp_size_through_the_real_mailgun_backend(world, settings, receiver,
                                                                  django_capture_on_commit_callbacks):
    incident, john, client, url = world
    for name, value in mailgun_settings(receiver).items():
        setattr(settings, name, value)
    settings.COMMS_CAMPAIGN_BATCH_SIZE = 2
    receiver.respond("/mailgun/", body=MAILGUN_OK)
    add_people(incident, 5)
    resolve(incident, john)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"text": "Hi {{ name }} ({{ extra.plan }}): sorry. {{ what_happened }}"}
                           ).status_code == 202
    sends = mailgun_sends(receiver)
    assert [len(s["to"]) for s in sends] == [2, 2, 1]
    assert sends[0]["text"] == "Hi %recipient.name% (%recipient.extra_plan%): sorry. RDS max_connections exhausted"
    assert sends[0]["variables"]["user0@example.com"]["name"] == "User 0"
    assert sends[0]["variables"]["user0@example.com"]["extra_plan"] == "pro"
    row = Notification.objects.get(address="user1@example.com")
    assert (row.state, row.provider_message_id) == ("sent", "<batch@mailgun.test>")
    # A bounce from the tracking webhook lands on that recipient's row (the message id is shared by the batch).
    bounce = AnymailTrackingEvent(event_type="bounced", message_id="<batch@mailgun.test>",
                                  recipient="user1@example.com", description="mailbox full")
    tracking.send(sender=object, event=bounce, esp_name="Mailgun")
    row.refresh_from_db()
    assert row.state == "bounced"
    assert not incident.timeline.filter(kind="notification_failed").exists()  # counted by the campaign instead
    assert Notification.objects.get(address="user0@example.com").state == "sent"
    assert client.get(url).json()[0]["progress"]["bounced"] == 1


def test_a_broken_override_is_a_400_naming_the_line(world):
    incident, john, client, url = world
    add_people(incident, 1)
    resolve(incident, john)
    response = client.post(url, {"text": "Hi {{ name }}\n{% include 'x' %}"})
    assert response.status_code == 400
    assert response.json()["errors"]["text"][0].startswith("Line 2")
    assert not EmailCampaign.objects.exists()


def test_nobody_to_email_is_a_400(world):
    incident, john, client, url = world
    resolve(incident, john)
    assert client.post(url, {}).status_code == 400


def test_one_message_per_recipient_without_batch_merge(world, settings, django_capture_on_commit_callbacks):
    incident, john, _client, _url = world
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_people(incident, 2)
    resolve(incident, john)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign_start(incident=incident, created_by=john)
    assert sorted(m.body.split(",")[0] for m in mail.outbox) == ["Hi User 0", "Hi User 1"]
    assert "text/html" in mail.outbox[0].alternatives[0][1]
