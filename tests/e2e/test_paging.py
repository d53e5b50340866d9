"""Paging end to end: live server, a real Celery worker and beat over Redis, chat to a local receiver."""

import time

import pytest
import requests
from django.conf import settings

from comms.enums import NotificationState, RunState
from comms.models import Notification
from incidents.enums import IncidentStatus, TimelineKind
from tests.comms.e2e_setup import SECONDS_PER_MINUTE, ack_url_in, build_world, wait

pytestmark = pytest.mark.e2e


def test_trigger_pages_escalates_and_the_signed_link_stops_everything(
        live_server, receiver, paging_env, start_worker, start_beat):
    world = build_world(live_server.url, receiver)
    start_worker()
    start_beat()

    number = world.trigger()
    # Step 1: Alice by chat (and email through Anymail's test backend), #incidents announced.
    receiver.wait_for("/alice", timeout=15)
    receiver.wait_for("/incidents", timeout=15)
    wait(lambda: world.notifications(number).filter(channel="email", state=NotificationState.SENT).exists(), 15,
         "Alice's email sent")
    email = world.notifications(number).get(channel="email")
    assert email.recipient == world.alice
    assert email.provider_message_id != ""
    run = world.run(number)
    step_two_due = run.next_step_due_at
    assert receiver.at("/bob") == []

    # No ack: step 2 (Bob) after its delay, within 10 s of due.
    bob_page = receiver.wait_for("/bob", timeout=SECONDS_PER_MINUTE + 15)[0]
    bob_sent = Notification.objects.get(recipient=world.bob, channel="chat", incident__number=number,
                                        incident__organization=world.org)
    wait(lambda: Notification.objects.filter(pk=bob_sent.pk, state=NotificationState.SENT).exists(), 10)
    bob_sent.refresh_from_db()
    assert 0 <= (bob_sent.sent_at - step_two_due).total_seconds() <= 10

    # Ack through the signed link in Bob's page: GET shows a confirmation, POST acknowledges.
    link = ack_url_in(bob_page)
    assert link.startswith(live_server.url)
    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    assert "Acknowledge" in page.text
    assert world.incident(number).status == IncidentStatus.TRIGGERED
    done = requests.post(link, timeout=10)
    assert done.status_code == 200
    assert "Paging has stopped" in done.text
    incident = world.incident(number)
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    run.refresh_from_db()
    assert run.state == RunState.ACKNOWLEDGED

    # Nothing more: not Bob's pending webhook (2 policy-minutes), not the repeat to Alice.
    time.sleep(SECONDS_PER_MINUTE * 3 + 3)
    assert len(receiver.at("/alice")) == 1
    assert len(receiver.at("/bob")) == 1
    assert receiver.at("/hook/bob") == []
    assert len(receiver.at("/incidents")) == 1
    hook = Notification.objects.get(recipient=world.bob, channel="webhook", incident=incident)
    assert hook.state == NotificationState.CANCELLED
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert TimelineKind.ESCALATED in kinds
    assert kinds.count(TimelineKind.ACKNOWLEDGED) == 1
    keys = list(Notification.objects.filter(incident=incident).values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    assert settings.CELERY_TASK_ACKS_LATE
