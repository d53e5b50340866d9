"""The Events API: the URL check, pins and :pushpin: reactions copied to the timeline once, uninstall."""

import pytest

from comms.chatops.models import IncidentChannel, SlackWorkspace
from incidents import services as incident_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(org, workspace, api_service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_services.incident_create(organization=org, title="Queue backlog", severity="P2",
                                                 service=api_service)


def test_url_verification_answers_the_challenge(slack, sender):
    import json

    from django.test import Client

    from tests.chatops.conftest import sign

    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    response = Client().post("/integrations/slack/events", body, content_type="application/json", **sign(body))
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_pinned_message_lands_on_the_timeline_once(incident, alice, sender, django_capture_on_commit_callbacks):
    channel = IncidentChannel.objects.get(incident=incident).channel_id
    event = {"type": "pin_added", "user": alice.slack_id, "channel_id": channel, "event_ts": "1700000100.000200",
             "item": {"type": "message", "channel": channel, "created_by": alice.slack_id,
                      "message": {"type": "message", "user": alice.slack_id, "ts": "1700000050.000100",
                                  "text": "Rolled back deploy 4521; error rate dropping"}}}
    for _retry in range(2):  # Slack retries the same event_id
        with django_capture_on_commit_callbacks(execute=True):
            assert sender.event(event, event_id="Ev0PIN").status_code == 200
    notes = list(incident.timeline.filter(kind="note"))
    assert len(notes) == 1
    assert notes[0].actor == alice
    assert "Rolled back deploy 4521" in notes[0].payload["text"]
    assert notes[0].payload["source"] == "slack"


def test_a_pushpin_reaction_copies_the_message(incident, alice, slack, sender, django_capture_on_commit_callbacks):
    channel_id = IncidentChannel.objects.get(incident=incident).channel_id
    slack.channels[channel_id].messages.append({"type": "message", "user": alice.slack_id, "ts": "1800000000.000001",
                                                "text": "Found it: the disk on db-2 is full"})
    event = {"type": "reaction_added", "user": alice.slack_id, "reaction": "pushpin",
             "item": {"type": "message", "channel": channel_id, "ts": "1800000000.000001"},
             "item_user": alice.slack_id, "event_ts": "1800000001.000100"}
    other = {**event, "reaction": "eyes"}
    with django_capture_on_commit_callbacks(execute=True):
        sender.event(other, event_id="Ev0EYES")
        sender.event(event, event_id="Ev0PUSH")
    notes = list(incident.timeline.filter(kind="note"))
    assert [n.payload["text"] for n in notes] == ["Alice (Slack): Found it: the disk on db-2 is full"]


def test_app_uninstalled_forgets_the_token(org, workspace, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.event({"type": "app_uninstalled"}, event_id="Ev0UNINST").status_code == 200
    assert not SlackWorkspace.objects.filter(organization=org).exists()


def test_tokens_revoked_forgets_the_token(org, workspace, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sender.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT0001"]}}, event_id="Ev0REVOKE")
    assert not SlackWorkspace.objects.filter(organization=org).exists()
