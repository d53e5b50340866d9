"""A campaign on the bulk queue, with a real worker SIGKILLed mid-campaign and a fresh one taking over:
every affected user gets the email exactly once (Anymail's Mailgun backend against a local receiver)."""

import time
from collections import Counter

import pytest

from comms.enums import CampaignState
from comms.models import EmailCampaign, Notification
from comms.services import campaigns
from incidents import services as incident_services
from tenancy import services as tenancy_services
from tenancy.enums import Role
from tests.comms.campaign_setup import MAILGUN_OK, add_people, mailgun_env, mailgun_sends, resolve
from tests.comms.e2e_setup import wait

pytestmark = pytest.mark.e2e
PEOPLE = 6


def test_a_killed_and_retried_campaign_emails_everyone_exactly_once(
        receiver, celery_env, start_worker, start_beat):
    receiver.respond("/mailgun/", body=MAILGUN_OK)
    celery_env.update(mailgun_env(receiver), COMMS_CAMPAIGN_BATCH_SIZE="2", COMMS_CAMPAIGN_LEASE_SECONDS="3",
                      COMMS_CADENCE_TICK_SECONDS="1")
    org = tenancy_services.organization_create(name="Campaign Co", slug="campaign-co")
    lead = tenancy_services.membership_create(organization=org, email="lead@campaign.test", name="Lead",
                                              role=Role.ADMIN).user
    incident = incident_services.incident_create(organization=org, title="Applications failing", severity="P1")
    add_people(incident, PEOPLE)
    incident = resolve(incident, lead)
    doomed = start_worker(name="doomed", queues="bulk", fault="campaign_batch:60")
    campaign = campaigns.campaign_start(incident=incident, created_by=lead)
    rows = Notification.objects.filter(campaign=campaign)
    # The worker wrote every ledger row, claimed the first batch, and sleeps before handing it to the ESP.
    wait(lambda: rows.count() == PEOPLE and rows.filter(state="sending").count() == 2, 30, "first batch claimed")
    doomed.kill()
    assert receiver.at("/mailgun/") == []

    start_worker(name="fresh", queues="celery,bulk")
    start_beat()
    wait(lambda: EmailCampaign.objects.get(pk=campaign.pk).state == CampaignState.SENT, 60, "campaign sent")
    time.sleep(3)  # a duplicate would arrive now
    received = Counter(address for send in mailgun_sends(receiver) for address in send["to"])
    assert received == Counter({f"user{n}@example.com": 1 for n in range(PEOPLE)})
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert campaigns.campaign_progress(EmailCampaign.objects.get(pk=campaign.pk))["sent"] == PEOPLE
