"""Install → incident → the channel, its topic, invitations, the card and the announcement, each once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from comms.chatops.enums import ActionKind, ActionState
from comms.chatops.models import IncidentChannel, SlackAction
from comms.chatops.services import actions
from incidents import services as incident_services

pytestmark = pytest.mark.django_db


def declare(org, service=None, severity="P1", title="Database down: primary unreachable", capture=None):
    with capture(execute=True):
        return incident_services.incident_create(organization=org, title=title, severity=severity, service=service)


def test_incident_gets_its_channel_topic_people_card_and_announcement(org, workspace, slack, alice, api_service,
                                                                       django_capture_on_commit_callbacks):
    incident = declare(org, api_service, capture=django_capture_on_commit_callbacks)

    name = f"incident-{incident.number}-database-down-primary-unreachable"
    channel = slack.channel_named(name)
    assert channel is not None
    assert channel.creator == "UBOT0001"
    assert IncidentChannel.objects.get(incident=incident).channel_id == channel.id
    assert "P1" in channel.topic
    assert "Database down" in channel.topic
    assert f"<@{alice.slack_id}>" in channel.topic
    assert alice.slack_id in channel.members
    cards = [m for m in channel.messages if m.get("metadata", {}).get("event_payload", {}).get("key", "").endswith(
        ":card")]
    assert len(cards) == 1
    assert [e["action_id"] for e in cards[0]["blocks"][-2]["elements"]] == [
        "incident_ack", "incident_resolve", "incident_escalate", "incident_update"]
    announcement = slack.channel_named("incidents").messages
    assert len(announcement) == 1
    assert f"<#{channel.id}>" in announcement[0]["text"]
    assert announcement[0]["text"].count("<!subteam^") == 2
    assert set(SlackAction.objects.filter(incident=incident).values_list("state", flat=True)) == {ActionState.DONE}
    done = {item.key for item in incident.checklist_items.filter(done=True)}
    assert {"create_channel", "notify_stakeholders"} <= done


def test_a_taken_name_gets_a_suffix(org, workspace, slack, django_capture_on_commit_callbacks):
    slack.add_channel("incident-1-checkout-broken")
    incident = declare(org, title="Checkout broken", capture=django_capture_on_commit_callbacks)
    assert incident.number == 1
    assert IncidentChannel.objects.get(incident=incident).name == "incident-1-checkout-broken-2"


def test_long_titles_fit_slacks_80_characters(org, workspace, slack, django_capture_on_commit_callbacks):
    incident = declare(org, title="Ünïcode & CAPITALS " * 10, capture=django_capture_on_commit_callbacks)
    name = IncidentChannel.objects.get(incident=incident).name
    assert len(name) <= 80
    assert name == name.lower()
    assert name.startswith("incident-1-unicode-capitals")


def test_severities_without_a_channel_get_none(org, workspace, slack, django_capture_on_commit_callbacks):
    declare(org, severity="P3", capture=django_capture_on_commit_callbacks)
    assert slack.calls_to("conversations.create") == []
    assert not SlackAction.objects.exists()


def test_no_installation_no_calls(org, slack, django_capture_on_commit_callbacks):
    declare(org, capture=django_capture_on_commit_callbacks)
    assert slack.calls == []


def test_rate_limited_call_waits_for_retry_after(org, workspace, slack, django_capture_on_commit_callbacks):
    slack.fail("conversations.create", error="ratelimited", retry_after=30)
    incident = declare(org, capture=django_capture_on_commit_callbacks)
    row = SlackAction.objects.get(incident=incident, kind=ActionKind.CREATE_CHANNEL)
    assert row.state == ActionState.PENDING
    assert row.attempts == 1
    assert "rate limit" in row.last_error
    assert timedelta(seconds=28) < row.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    assert SlackAction.objects.get(incident=incident, kind=ActionKind.POST_CARD).attempts == 0  # waits

    with time_machine.travel(timezone.now() + timedelta(seconds=10), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert actions.actions_tick() == 0
    assert len(slack.calls_to("conversations.create")) == 1

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)), \
            django_capture_on_commit_callbacks(execute=True):
        assert actions.actions_tick() == 1
    assert len(slack.calls_to("conversations.create")) == 2
    assert IncidentChannel.objects.filter(incident=incident).exists()
    assert len(list(slack.channel_named(IncidentChannel.objects.get().name).messages)) == 1


def test_a_lost_answer_does_not_post_the_card_twice(org, workspace, slack, django_capture_on_commit_callbacks):
    """chat.postMessage posts, but its answer never arrives (timeout): the retry finds the card by its key."""
    slack.fail("chat.postMessage", error="", post=True, delay=3)
    incident = declare(org, capture=django_capture_on_commit_callbacks)
    card = SlackAction.objects.get(incident=incident, kind=ActionKind.POST_CARD)
    assert card.state == ActionState.PENDING
    assert card.attempts == 1
    with time_machine.travel(card.next_attempt_at + timedelta(seconds=1)), \
            django_capture_on_commit_callbacks(execute=True):
        actions.actions_tick()
    card.refresh_from_db()
    assert card.state == ActionState.DONE
    assert card.result.get("found_on_retry") is True
    channel = slack.channel_named(IncidentChannel.objects.get(incident=incident).name)
    assert len(channel.messages) == 1
    assert IncidentChannel.objects.get(incident=incident).card_ts == channel.messages[0]["ts"]


def test_status_changes_post_into_the_channel(org, workspace, slack, alice, api_service,
                                              django_capture_on_commit_callbacks):
    incident = declare(org, api_service, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_transition(incident=incident, status="investigating", actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_resolve(incident=incident, actor=alice, override_reason="drill",
                                           root_cause="disk full")
    channel = slack.channel_named(IncidentChannel.objects.get(incident=incident).name)
    texts = [m["text"] for m in channel.messages[1:]]
    assert any("acknowledged" in text for text in texts)
    assert any("→ investigating" in text for text in texts)
    assert any("Resolved" in text and "disk full" in text for text in texts)
    card = channel.messages[0]
    assert "*Status*\nResolved" in [f["text"] for block in card["blocks"] for f in block.get("fields", [])]
    assert card["edited"]["user"] == "UBOT0001"
    assert "Status: Resolved" in channel.topic
