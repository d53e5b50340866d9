"""The three faults of the issue, each with a real worker process: a SIGKILLed worker, a lost broker
(Redis connections dropped and its database flushed), a dropped task. No page lost, none sent twice."""

import time

import pytest
from django.conf import settings

from comms.models import Notification
from incidents.enums import TimelineKind
from tests.comms.e2e_setup import SECONDS_PER_MINUTE, build_world, kill_broker_connections, wait

pytestmark = pytest.mark.e2e


def assert_each_page_once(world, number, receiver):
    keys = list(world.notifications(number).values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    assert len(receiver.at("/alice")) == 1
    assert len(receiver.at("/bob")) == 1
    assert len(receiver.at("/incidents")) == 1
    kinds = list(world.incident(number).timeline.values_list("kind", flat=True))
    assert kinds.count(TimelineKind.ESCALATED) == 1


@pytest.mark.parametrize("point", ["advance", "send_step1"])
def test_sigkill_mid_step_loses_nothing_and_sends_nothing_twice(
        point, live_server, receiver, paging_env, start_worker, start_beat):
    """The worker sleeps inside step 2 (``advance``: with the run claimed and nothing committed; ``send_step1``:
    with Bob's page claimed but not yet sent) and is SIGKILLed there; a fresh worker finishes the job."""
    world = build_world(live_server.url, receiver, repeat_count=0, step_delay=2)
    worker = start_worker(name="doomed", fault=f"{point}:60")
    start_beat()
    number = world.trigger()
    receiver.wait_for("/alice", timeout=15)
    run = world.run(number)
    # Wait until the worker is stuck in step 2.
    wait(lambda: time.time() > run.next_step_due_at.timestamp() + 3, 30, "step 2 due")
    if point == "send_step1":
        wait(lambda: world.notifications(number).filter(recipient=world.bob, state="sending").exists(), 15,
             "Bob's page claimed")
    assert receiver.at("/bob") == []
    worker.kill()

    start_worker(name="fresh")
    receiver.wait_for("/bob", timeout=30)
    time.sleep(8)
    assert_each_page_once(world, number, receiver)
    bob = world.notifications(number).get(recipient=world.bob, channel="chat")
    assert bob.state == "sent"


def test_broker_loss_between_steps_delays_but_loses_nothing(
        live_server, receiver, paging_env, start_worker, start_beat):
    world = build_world(live_server.url, receiver, repeat_count=0, step_delay=2)
    start_worker()
    start_beat()
    number = world.trigger()
    receiver.wait_for("/alice", timeout=15)
    run = world.run(number)
    # Like a Redis restart without persistence: every connection drops, every queued message is gone.
    kill_broker_connections(settings.CELERY_BROKER_URL)
    time.sleep(1)
    kill_broker_connections(settings.CELERY_BROKER_URL)
    receiver.wait_for("/bob", timeout=SECONDS_PER_MINUTE * 2 + 30)
    bob = world.notifications(number).get(recipient=world.bob, channel="chat")
    wait(lambda: Notification.objects.filter(pk=bob.pk, state="sent").exists(), 10)
    time.sleep(5)
    assert_each_page_once(world, number, receiver)
    bob.refresh_from_db()
    assert (bob.sent_at - run.next_step_due_at).total_seconds() <= 30


def test_a_dropped_task_is_recovered_from_the_database(
        live_server, receiver, paging_env, start_worker, start_beat, real_broker):
    """The trigger's dispatch message is purged before any worker runs: the ticker finds the incident."""
    world = build_world(live_server.url, receiver, repeat_count=0, step_delay=2)
    number = world.trigger()
    assert real_broker.control.purge() >= 1
    start_worker()
    start_beat()
    receiver.wait_for("/alice", timeout=40)
    receiver.wait_for("/bob", timeout=SECONDS_PER_MINUTE * 2 + 30)
    time.sleep(5)
    assert_each_page_once(world, number, receiver)
