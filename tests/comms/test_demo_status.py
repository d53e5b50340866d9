import pytest
from django.core.management import call_command

from comms.enums import CampaignState
from comms.models import EmailCampaign, StatusUpdate
from comms.services.campaigns import campaign_progress

pytestmark = pytest.mark.django_db


def test_seed_demo_has_internal_and_public_updates_and_a_sent_campaign(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    call_command("seed_demo")
    first = StatusUpdate.objects.count()
    call_command("seed_demo")
    audiences = set(StatusUpdate.objects.values_list("audience", flat=True))
    assert audiences == {"internal", "public", "closure"}
    assert StatusUpdate.objects.count() == first >= 6  # idempotent (other apps' demos post updates too)
    campaign = EmailCampaign.objects.get()
    assert campaign.state == CampaignState.SENT
    assert campaign_progress(campaign)["sent"] == 3
