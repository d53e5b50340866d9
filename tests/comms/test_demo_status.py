import pytest
from django.core.management import call_command

from comms.enums import CampaignState
from comms.models import EmailCampaign, StatusUpdate
from comms.services.campaigns import campaign_progress

pytestmark = pytest.mark.django_db


def test_seed_demo_has_internal_and_public_updates_and_a_sent_campaign(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    call_command("seed_demo")
    call_command("seed_demo")
    audiences = set(StatusUpdate.objects.values_list("audience", flat=True))
    assert audiences == {"internal", "public", "closure"}
    assert StatusUpdate.objects.count() == 6
    campaign = EmailCampaign.objects.get()
    assert campaign.state == CampaignState.SENT
    assert campaign_progress(campaign)["sent"] == 3
