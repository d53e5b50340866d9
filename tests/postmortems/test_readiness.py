"""Readiness (plan 12) from live data: each criterion failing with what is missing, then passing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Runbook, Service
from oncall import services as oncall_services
from postmortems import selectors, services
from tenancy.enums import Role
from tests.oncall.factories import ScheduleFactory, weekly_layer

pytestmark = pytest.mark.django_db


def criteria(org) -> dict:
    return {criterion["key"]: criterion for criterion in selectors.readiness(organization=org)["criteria"]}


@pytest.fixture
def no_twilio(settings):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        setattr(settings, name, "")


def test_a_new_organization_is_not_ready_and_says_what_is_missing(org, alice, no_twilio):
    found = criteria(org)
    assert found["severity_levels"]["passed"]  # seeded P0-P3
    assert found["runbooks"]["missing"] == ["No services defined: add what breaks, and a runbook for each of "
                                            "the top five."]
    assert found["oncall_rotation"]["missing"] == ["No escalation policy."]
    assert not found["postmortem_practised"]["passed"]
    assert found["engineers_trained"]["missing"] == ["Alice has no current training record."]
    assert found["voice_sms_paging"]["missing"][0] == "TWILIO_ACCOUNT_SID is not set (needed by P0, P1)."
    assert found["communication_templates"]["passed"]  # the plan's texts are the defaults
    assert selectors.readiness(organization=org)["ready"] is False


def test_gaps_and_missing_runbooks_are_named(org, alice):
    for name in ("API", "Workers"):
        Service.objects.create(organization=org, name=name)
    Runbook.objects.create(organization=org, title="API 5xx").services.add(Service.objects.get(name="API"))
    schedule = ScheduleFactory(organization=org, name="Primary", layers=[
        weekly_layer([alice], restrictions=[{"type": "daily", "start_time_of_day": "09:00",
                                             "duration_seconds": 8 * 3600}])])
    oncall_services.escalation_policy_create(organization=org, name="Default",
                                             steps=[{"delay_minutes": 0, "schedules": [schedule]}])
    found = criteria(org)
    assert found["runbooks"]["missing"] == ["No runbook for Workers (0 incidents)."]
    assert found["oncall_rotation"]["missing"][0].startswith("Schedule Primary (policy Default) has nobody on call")


def test_every_criterion_passes_when_the_work_is_done(org, alice, admin_member, owner, settings):
    settings.TWILIO_ACCOUNT_SID = "AC1"
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM_NUMBER = "+15550000000"
    api = Service.objects.create(organization=org, name="API")
    Runbook.objects.create(organization=org, title="API 5xx").services.add(api)
    schedule = ScheduleFactory(organization=org, name="Primary", layers=[weekly_layer([alice, admin_member.user])])
    oncall_services.escalation_policy_create(organization=org, name="Default",
                                             steps=[{"delay_minutes": 0, "schedules": [schedule]}])
    drill = services.drill_create(organization=org, title="DB failover", scenario="The primary dies.",
                                  scheduled_at=timezone.now(), facilitator=admin_member.user,
                                  participants=[alice, owner.user])
    drill = services.drill_run(drill=drill)
    incident = incident_services.incident_resolve(incident=drill.incident, override_reason="drill over")
    postmortem = services.postmortem_open(incident=incident)
    services.postmortem_update(postmortem=postmortem, status="published")
    services.drill_complete(drill=drill, outcome_notes="Failover took 4 minutes.")
    found = criteria(org)
    failed = {key: criterion["missing"] for key, criterion in found.items() if not criterion["passed"]}
    assert failed == {}
    assert selectors.readiness(organization=org)["ready"] is True


def test_a_broken_template_fails_the_communication_criterion(org):
    from comms.models import MessageTemplate

    # A row that bypassed the save-time check (e.g. restored from an old backup) is caught here.
    MessageTemplate.objects.create(organization=org, kind="user_email", body="Hello {{ nobody_knows }}")
    assert criteria(org)["communication_templates"]["missing"] == [
        "The affected-user email template is empty or does not render: fix it under message-templates/."]


def test_expired_training_does_not_count(org, alice):
    services.training_record_create(organization=org, user=alice, course="IR 101",
                                    completed_at=timezone.now() - timedelta(days=400),
                                    expires_at=timezone.now() - timedelta(days=35))
    assert criteria(org)["engineers_trained"]["missing"] == ["Alice has no current training record."]


def test_readiness_api(org, member_of):
    _member, client = member_of(Role.VIEWER)
    response = client.get(f"/api/v1/orgs/{org.slug}/readiness/")
    assert response.status_code == 200
    assert response.json()["total"] == 7
