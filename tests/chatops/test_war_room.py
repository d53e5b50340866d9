"""The war-room bridge of P0/P1: a static URL or a Zoom meeting, on the incident, its card and its checklist."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from comms.chatops.enums import ActionKind
from comms.chatops.models import IncidentChannel, SlackAction
from comms.chatops.services import actions, install
from incidents import services as incident_services

pytestmark = pytest.mark.django_db


def declare(org, capture, severity="P0"):
    with capture(execute=True):
        return incident_services.incident_create(organization=org, title="Total outage", severity=severity)


def test_static_bridge_per_incident(org, member_of, django_capture_on_commit_callbacks):
    install.chatops_settings_update(organization=org, war_room_mode="static",
                                    war_room_url="https://meet.jit.si/{org}-incident-{number}")
    incident = declare(org, django_capture_on_commit_callbacks)
    incident.refresh_from_db()
    assert incident.war_room_url == f"https://meet.jit.si/{org.slug}-incident-{incident.number}"
    assert incident.checklist_items.get(key="start_war_room").done
    _membership, client = member_of("viewer")
    shown = client.get(f"/api/v1/orgs/{org.slug}/incidents/{incident.number}/").json()
    assert shown["war_room_url"] == incident.war_room_url
    p2 = declare(org, django_capture_on_commit_callbacks, severity="P2")
    p2.refresh_from_db()
    assert p2.war_room_url == ""


def test_zoom_meeting_goes_on_the_incident_and_its_card(org, workspace, slack, zoom,
                                                        django_capture_on_commit_callbacks):
    install.chatops_settings_update(organization=org, war_room_mode="zoom")
    zoom.fail_next(429, retry_after=2)
    incident = declare(org, django_capture_on_commit_callbacks)
    row = SlackAction.objects.get(incident=incident, kind=ActionKind.WAR_ROOM)
    assert row.attempts == 1
    assert "rate limit" in row.last_error
    with time_machine.travel(timezone.now() + timedelta(seconds=3)), django_capture_on_commit_callbacks(execute=True):
        actions.actions_tick()
    incident.refresh_from_db()
    assert len(zoom.meetings) == 1
    assert incident.war_room_url == zoom.meetings[0]["join_url"]
    assert incident.checklist_items.get(key="start_war_room").done
    channel = slack.channels[IncidentChannel.objects.get(incident=incident).channel_id]
    assert zoom.meetings[0]["join_url"] in str(channel.messages[0]["blocks"])
    assert f"War room: {zoom.meetings[0]['join_url']}" in channel.topic
    assert zoom.meetings[0]["join_url"] in slack.channel_named("incidents").messages[0]["text"]


def test_the_page_carries_the_war_room_link(org, alice, django_capture_on_commit_callbacks, mailoutbox):
    from incidents.models import Service
    from tests.comms import factories

    service = Service.objects.create(organization=org, name="DB", escalation_policy=factories.policy(org, ([alice], 5)),
                                     war_room_url_template="https://zoom.us/j/123?inc={number}")
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_create(organization=org, title="DB down", severity="P1",
                                                     service=service)
    pages = [mail for mail in mailoutbox if alice.email in mail.to]
    assert pages, [mail.to for mail in mailoutbox]
    assert f"War room: https://zoom.us/j/123?inc={incident.number}" in pages[0].body
