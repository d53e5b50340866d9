import pytest
from django.urls import reverse

from comms.models import MessageTemplate
from comms.services import campaigns
from comms.services import status as status_services
from tenancy.enums import Role
from tests.comms.campaign_setup import add_people, resolve
from tests.comms.status_setup import plan_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, org, make_member):
    client.force_login(make_member(org, Role.ADMIN, is_staff=True).user)
    return client


def test_admin_pages_show_updates_people_and_campaign_progress(staff, org, make_member, receiver, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    incident, john = plan_incident(org, make_member, receiver)
    status_services.status_update_post(incident=incident, audience="internal", posted_by=john,
                                       status="investigating")
    add_people(incident, 2)
    incident = resolve(incident, john)
    campaign = campaigns.campaign_start(incident=incident)
    campaigns.campaign_send(campaign_id=campaign.pk)
    for name in ("statusupdate", "affecteduser", "emailcampaign", "messagetemplate"):
        assert staff.get(reverse(f"admin:comms_{name}_changelist")).status_code == 200
    page = staff.get(reverse("admin:comms_emailcampaign_change", args=[campaign.pk]))
    assert b"sent: 2" in page.content


def test_admin_template_form_refuses_a_broken_template_and_saves_through_the_service(staff, org):
    url = reverse("admin:comms_messagetemplate_add")
    refused = staff.post(url, {"organization": org.pk, "kind": "internal", "subject": "",
                               "body": "ok\n{% load static %}"})
    assert refused.status_code == 200
    assert b"Line 2" in refused.content
    assert not MessageTemplate.objects.exists()
    saved = staff.post(url, {"organization": org.pk, "kind": "internal", "subject": "", "body": "{{ title }}"})
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(organization=org).body == "{{ title }}"
