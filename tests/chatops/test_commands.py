"""Slash commands, buttons and modals: verified, mapped to a member by confirmed email, scoped to the org."""

import time

import pytest

from comms.chatops.models import IncidentChannel
from comms.models import StatusUpdate
from incidents import services as incident_services
from incidents.enums import IncidentStatus
from incidents.models import Incident
from tenancy.enums import Role
from tests.chatops.conftest import button, install_into
from tests.chatops.slack_standin import SlackStandIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(org, workspace, api_service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_services.incident_create(organization=org, title="API 5xx", severity="P1",
                                                 service=api_service)


def channel_of(incident):
    return IncidentChannel.objects.get(incident=incident).channel_id


def test_slash_ack_in_the_incident_channel(incident, alice, slack, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.command("ack", user_id=alice.slack_id, channel_id=channel_of(incident),
                                  response_url=slack.response_url("ack"))
    assert response.status_code == 200
    assert "On it" in response.json()["text"]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.timeline.filter(kind="acknowledged", actor=alice).exists()
    assert [r["text"] for r in slack.responses] == [f"Incident #{incident.number} is acknowledged."]


def test_status_resolve_and_role_commands(org, incident, alice, slack, sender, make_member,
                                          django_capture_on_commit_callbacks):
    bob = make_member(org, Role.RESPONDER, email="bob@example.test").user
    bob_slack = slack.add_user("bob@example.test")
    channel = channel_of(incident)
    for text in ("ack", "status investigating", f"role commander <@{bob_slack}|bob>",
                 "resolve checks are green, skipping the list"):
        with django_capture_on_commit_callbacks(execute=True):
            assert sender.command(text, user_id=alice.slack_id, channel_id=channel,
                                  response_url=slack.response_url()).status_code == 200
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.commander == bob
    resolved = incident.timeline.get(kind="resolved")
    assert resolved.payload["override_reason"] == "checks are green, skipping the list"
    assert bob_slack in slack.channels[channel].members  # invited on becoming commander


def test_a_refused_move_is_the_answer(incident, alice, slack, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sender.command("resolve", user_id=alice.slack_id, channel_id=channel_of(incident),
                       response_url=slack.response_url())
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED
    assert "verification checklist" in slack.responses[-1]["text"]


def test_buttons_acknowledge(incident, alice, slack, sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.interaction(button("incident_ack", incident, user_id=alice.slack_id,
                                             channel_id=channel_of(incident), response_url=slack.response_url()))
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED


def test_bad_signature_and_stale_timestamp_are_refused(incident, alice, sender):
    assert sender.command("ack", user_id=alice.slack_id, secret="wrong").status_code == 401
    assert sender.command("ack", user_id=alice.slack_id, timestamp=int(time.time()) - 301).status_code == 401
    assert sender.event({"type": "pin_added"}, event_id="Ev1", secret="wrong").status_code == 401
    assert sender.interaction(button("incident_ack", incident, user_id=alice.slack_id),
                              timestamp=int(time.time()) - 600).status_code == 401
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED


def test_unmapped_and_unconfirmed_users_and_viewers_are_refused(org, incident, slack, sender, make_member,
                                                                django_capture_on_commit_callbacks):
    stranger = slack.add_user("stranger@elsewhere.test")
    make_member(org, Role.RESPONDER, email="unconfirmed@example.test")
    unconfirmed = slack.add_user("unconfirmed@example.test", confirmed=False)
    make_member(org, Role.VIEWER, email="viewer@example.test")
    viewer = slack.add_user("viewer@example.test")
    for user_id, words in ((stranger, "does not match"), (unconfirmed, "does not match"), (viewer, "responder role")):
        with django_capture_on_commit_callbacks(execute=True):
            response = sender.command("ack", user_id=user_id, channel_id=channel_of(incident))
        assert response.status_code == 200
        assert words in response.json()["text"]
        with django_capture_on_commit_callbacks(execute=True):
            sender.interaction(button("incident_ack", incident, user_id=user_id, response_url=slack.response_url()))
        assert words in slack.responses[-1]["text"]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED


def test_org_a_workspace_cannot_act_on_org_b(org, incident, make_org, make_member, settings, sender,
                                             django_capture_on_commit_callbacks):
    """A request signed for org B's workspace, naming org A's incident and channel, finds nothing."""
    org_b = make_org()
    slack_b = SlackStandIn(team_id="T0ORGB").start()
    try:
        settings.SLACK_API_BASE = slack_b.base
        install_into(org_b, slack_b, team_id="T0ORGB")
        make_member(org_b, Role.OWNER, email="mallory@example.test")
        mallory = slack_b.add_user("mallory@example.test")
        with django_capture_on_commit_callbacks(execute=True):
            sender.command(f"ack #{incident.number}", user_id=mallory, team_id="T0ORGB",
                           channel_id=channel_of(incident), response_url=slack_b.response_url())
            sender.interaction(button("incident_ack", incident, user_id=mallory, team_id="T0ORGB",
                                      channel_id=channel_of(incident), response_url=slack_b.response_url()))
            sender.event({"type": "pin_added", "channel_id": channel_of(incident), "item": {
                "type": "message", "channel": channel_of(incident),
                "message": {"ts": "1.1", "text": "planted", "user": mallory}}}, event_id="EvB", team_id="T0ORGB")
        assert all("No incident" in r["text"] or "No such incident" in r["text"] for r in slack_b.responses)
        assert len(slack_b.responses) == 2
    finally:
        slack_b.stop()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED
    assert not incident.timeline.filter(kind="note").exists()


def test_declare_opens_a_modal_and_its_submission_opens_the_incident(org, workspace, alice, slack, sender,
                                                                     api_service, django_capture_on_commit_callbacks):
    response = sender.command("declare Checkout is failing P0", user_id=alice.slack_id, trigger_id="trig-declare")
    assert response.status_code == 200
    view = slack.views[-1]
    assert view["callback_id"] == "declare_incident"
    assert view["blocks"][0]["element"]["initial_value"] == "Checkout is failing"
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "P0"
    submission = {"type": "view_submission", "team": {"id": workspace.team_id}, "user": {"id": alice.slack_id},
                  "view": {"callback_id": "declare_incident", "private_metadata": "", "state": {"values": {
                      "title": {"value": {"type": "plain_text_input", "value": "Checkout is failing"}},
                      "severity": {"value": {"type": "static_select", "selected_option": {"value": "P0"}}},
                      "service": {"value": {"type": "static_select",
                                            "selected_option": {"value": str(api_service.pk)}}},
                      "impact": {"value": {"type": "plain_text_input", "value": "No orders"}}}}}}
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.interaction(submission)
    assert response.status_code == 200
    incident = Incident.objects.get(organization=org, title="Checkout is failing")
    assert (incident.severity.name, incident.service, incident.customer_impact) == ("P0", api_service, "No orders")
    assert IncidentChannel.objects.filter(incident=incident).exists()

    bad = {**submission, "view": {**submission["view"], "state": {"values": {
        "title": {"value": {"value": "x"}}, "severity": {"value": {"selected_option": {"value": "P9"}}}}}}}
    answer = sender.interaction(bad).json()
    assert answer["response_action"] == "errors"
    assert "severity" in answer["errors"]


def test_update_modal_posts_a_status_update_into_the_channel(incident, alice, slack, sender,
                                                             django_capture_on_commit_callbacks):
    channel = channel_of(incident)
    sender.command("update", user_id=alice.slack_id, channel_id=channel, trigger_id="trig-update")
    assert slack.views[-1]["callback_id"] == "post_update"
    submission = {"type": "view_submission", "team": {"id": "T0STANDIN"}, "user": {"id": alice.slack_id},
                  "view": {"callback_id": "post_update", "private_metadata": str(incident.pk), "state": {"values": {
                      "status": {"value": {"selected_option": {"value": "investigating"}}},
                      "impact": {"value": {"value": "Checkout errors for 20% of users"}},
                      "body": {"value": {"value": None}}}}}}
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.interaction(submission).status_code == 200
    update = StatusUpdate.objects.get(incident=incident)
    assert update.posted_by == alice
    assert update.impact == "Checkout errors for 20% of users"
    assert incident.timeline.filter(kind="status_update_posted").exists()
    assert any("Checkout errors for 20% of users" in m["text"] for m in slack.channels[channel].messages)


def test_page_a_person_or_a_user_group(org, incident, alice, slack, sender, make_member, mailoutbox,
                                       django_capture_on_commit_callbacks):
    bob = make_member(org, Role.RESPONDER, email="bob@example.test").user
    carol = make_member(org, Role.RESPONDER, email="carol@example.test").user
    bob_slack, carol_slack = slack.add_user("bob@example.test"), slack.add_user("carol@example.test")
    dba = slack.add_usergroup("dba", users=[bob_slack, carol_slack, slack.add_user("outsider@elsewhere.test")])
    channel = channel_of(incident)
    with django_capture_on_commit_callbacks(execute=True):
        sender.command("ack", user_id=alice.slack_id, channel_id=channel, response_url=slack.response_url())
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sender.command(f"page <@{bob_slack}|bob>", user_id=alice.slack_id, channel_id=channel,
                       response_url=slack.response_url())
    assert [mail.to for mail in mailoutbox] == [[bob.email]]
    with django_capture_on_commit_callbacks(execute=True):
        sender.command(f"page <!subteam^{dba}|@dba>", user_id=alice.slack_id, channel_id=channel,
                       response_url=slack.response_url())
    assert sorted(mail.to[0] for mail in mailoutbox[1:]) == [bob.email, carol.email]
    assert incident.timeline.filter(kind="paged", payload__via="slack").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        sender.command("page nobody@nowhere.test", user_id=alice.slack_id, channel_id=channel,
                       response_url=slack.response_url())
    assert "Name someone" in slack.responses[-1]["text"]


def test_commands_answer_within_slacks_three_seconds_even_when_slack_is_slow(incident, slack, sender, org,
                                                                            make_member):
    """The user look-up the view makes has a 2 s timeout; everything else waits for the worker."""
    make_member(org, Role.RESPONDER, email="dave@example.test")
    dave = slack.add_user("dave@example.test")
    slack.fail("users.info", error="", post=True, delay=5)
    started = time.monotonic()
    response = sender.command("ack", user_id=dave, channel_id=channel_of(incident))
    assert time.monotonic() - started < 3
    assert "could not ask Slack" in response.json()["text"]
    started = time.monotonic()
    response = sender.command("ack", user_id=dave, channel_id=channel_of(incident))
    assert time.monotonic() - started < 3
    assert response.json()["text"].startswith("On it")
