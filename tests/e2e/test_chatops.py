"""The Slack app with a real Celery worker (consuming the ``outbound`` queue too) and the Slack stand-in:
the incident card is posted once even when its task is retried after a lost answer and delivered twice."""

import sys
import time

import pytest

from comms.chatops import tasks
from comms.chatops.enums import ActionKind, ActionState
from comms.chatops.models import SlackAction
from comms.chatops.services import install
from incidents import services as incident_services
from tests.chatops.slack_standin import BOT_TOKEN, BOT_USER, TEAM_ID, SlackStandIn
from tests.e2e.conftest import CeleryProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def slack():
    server = SlackStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def outbound_worker(celery_env, slack, tmp_path):
    celery_env.update(SLACK_API_BASE=slack.base, SLACK_SIGNING_SECRET="secret", COMMS_HTTP_TIMEOUT="1",
                      COMMS_RETRY_BASE_SECONDS="1")
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--pool", "prefork",
            "--concurrency", "2", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-Q", "celery,outbound", "--hostname", "chatops@%h"]
    process = CeleryProcess("chatops-worker", args, celery_env, tmp_path / "worker.log")
    yield process.start(ready_text=" ready.")
    process.stop()


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_card_posted_once_when_the_task_is_retried(org, settings, slack, outbound_worker):
    settings.SLACK_API_BASE = slack.base
    install.slack_install(organization=org, team_id=TEAM_ID, team_name="Stand-in", bot_token=BOT_TOKEN,
                          bot_user_id=BOT_USER)
    # The first chat.postMessage is done at Slack but answered after the client's 1 s timeout.
    slack.fail("chat.postMessage", error="", post=True, delay=2.5)
    incident = incident_services.incident_create(organization=org, title="Payments failing", severity="P1")

    assert wait_for(lambda: SlackAction.objects.filter(incident=incident, kind=ActionKind.POST_CARD,
                                                       attempts__gte=1).exists()), outbound_worker.logs()
    card = SlackAction.objects.get(incident=incident, kind=ActionKind.POST_CARD)
    for _duplicate in range(3):  # a redelivered or duplicated message: the row decides, not the task
        tasks.perform_action.delay(card.pk)

    assert wait_for(lambda: SlackAction.objects.get(pk=card.pk).state == ActionState.DONE), outbound_worker.logs()
    card.refresh_from_db()
    assert card.attempts == 2
    assert card.result["found_on_retry"] is True
    channel = slack.channel_named(f"incident-{incident.number}-payments-failing")
    cards = [m for m in channel.messages if m["metadata"]["event_payload"]["key"] == card.idempotency_key]
    assert len(cards) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("conversations.create")) == 1
