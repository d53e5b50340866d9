"""Cadence reminders with time travel: one reminder per due time and stage, overdue noted, none for P3,
resolved incidents or drills (unless the drill asks)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from comms.enums import Purpose, ReminderStage
from comms.models import Notification, UpdateReminder
from comms.services import cadence
from incidents import services as incident_services
from incidents.enums import TimelineKind
from tests.comms.status_setup import DETECTED, plan_incident, post

pytestmark = pytest.mark.django_db
T0 = DETECTED + timedelta(minutes=1)


def tick_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return cadence.cadence_tick()


def reminders_to(receiver, path="/john"):
    return [r.json()["text"] for r in receiver.at(path)]


def test_due_then_overdue_once_each_whatever_the_tick_rate(
        org, make_member, receiver, api_client_for, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident, john = plan_incident(org, make_member, receiver, severity="P1")
    with time_machine.travel(T0, tick=False):
        update = post(incident, john)
    due = T0 + timedelta(minutes=30)
    assert update.next_update_at == due
    assert tick_at(due - timedelta(minutes=1), capture) == 0
    assert tick_at(due, capture) == 1
    for seconds in (1, 30, 60, 120):
        assert tick_at(due + timedelta(seconds=seconds), capture) == 0
    texts = reminders_to(receiver)
    assert len(texts) == 1
    assert "a status update is due at 15:01 UTC (every 30 minutes)" in texts[0]
    with time_machine.travel(due + timedelta(minutes=2), tick=False):
        shown = api_client_for(incident_member(org, john)).get(
            reverse("incidents-detail", kwargs={"org_slug": org.slug, "number": incident.number})).json()
    assert shown["update_overdue"] is True
    assert tick_at(due + timedelta(minutes=5), capture) == 1  # the grace period is over
    assert tick_at(due + timedelta(minutes=6), capture) == 0
    assert tick_at(due + timedelta(hours=3), capture) == 0
    texts = reminders_to(receiver)
    assert len(texts) == 2
    assert "is overdue" in texts[1]
    assert incident.timeline.filter(kind=TimelineKind.UPDATE_OVERDUE).count() == 1
    assert Notification.objects.filter(purpose=Purpose.REMINDER, recipient=john).count() == 2
    assert UpdateReminder.objects.get(incident=incident).stage == ReminderStage.OVERDUE_SENT


def incident_member(org, user):
    return org.memberships.get(user=user)


def test_a_new_update_supersedes_the_due_time(org, make_member, receiver, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident, john = plan_incident(org, make_member, receiver, severity="P1")
    with time_machine.travel(T0, tick=False):
        post(incident, john)
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        post(incident, john, status="fixing")
    assert tick_at(T0 + timedelta(minutes=31), capture) == 0
    assert reminders_to(receiver) == []
    assert tick_at(T0 + timedelta(minutes=50), capture) == 1
    assert "due at 15:21 UTC" in reminders_to(receiver)[0]


def test_a_late_ticker_sends_only_the_overdue_reminder(org, make_member, receiver,
                                                       django_capture_on_commit_callbacks):
    incident, john = plan_incident(org, make_member, receiver, severity="P1")
    with time_machine.travel(T0, tick=False):
        post(incident, john)
    assert tick_at(T0 + timedelta(hours=2), django_capture_on_commit_callbacks) == 1
    texts = reminders_to(receiver)
    assert len(texts) == 1
    assert "overdue" in texts[0]


def test_no_reminders_for_p3(org, make_member, receiver, django_capture_on_commit_callbacks):
    incident, john = plan_incident(org, make_member, receiver, severity="P3")
    with time_machine.travel(T0, tick=False):
        update = post(incident, john)
    assert update.next_update_at is None
    assert not UpdateReminder.objects.filter(incident=incident).exists()
    assert tick_at(T0 + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert cadence.cadence_first_due(incident=incident) is None


def test_no_reminders_once_resolved(org, make_member, receiver, django_capture_on_commit_callbacks):
    incident, john = plan_incident(org, make_member, receiver, severity="P1")
    with time_machine.travel(T0, tick=False):
        post(incident, john)
        incident_services.incident_resolve(incident=incident, actor=john, override_reason="test")
    assert tick_at(T0 + timedelta(minutes=30), django_capture_on_commit_callbacks) == 1
    assert UpdateReminder.objects.get(incident=incident).stage == ReminderStage.SKIPPED
    assert reminders_to(receiver) == []


def test_drills_are_reminded_only_when_they_ask(org, make_member, receiver, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident, john = plan_incident(org, make_member, receiver, severity="P1", is_drill=True)
    with time_machine.travel(T0, tick=False):
        post(incident, john)
    tick_at(T0 + timedelta(minutes=30), capture)
    assert UpdateReminder.objects.get(incident=incident).stage == ReminderStage.SKIPPED
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        post(incident, john)
    assert cadence.cadence_drill_reminders_set(incident=incident, enabled=True) == 1
    assert tick_at(T0 + timedelta(minutes=61), capture) == 1
    assert len(reminders_to(receiver)) == 1


def test_an_acknowledgement_starts_the_cadence(org, make_member, receiver, django_capture_on_commit_callbacks):
    incident, _john = plan_incident(org, make_member, receiver, severity="P0")
    reminder = cadence.cadence_first_due(incident=incident)
    assert reminder.due_at == incident.acknowledged_at + timedelta(minutes=15)
    incident.refresh_from_db()
    assert incident.next_update_at == reminder.due_at
    assert cadence.cadence_first_due(incident=incident) is None  # once
    assert tick_at(reminder.due_at, django_capture_on_commit_callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_tickers_send_each_reminder_once(org, make_member, receiver):
    incident, john = plan_incident(org, make_member, receiver, severity="P1")
    with time_machine.travel(T0, tick=False):
        update = post(incident, john)
    barrier = threading.Barrier(4)

    def tick(_):
        barrier.wait()
        try:
            return cadence.cadence_tick(now=update.next_update_at)
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        handled = list(pool.map(tick, range(4)))
    assert sum(handled) == 1
    assert Notification.objects.filter(purpose=Purpose.REMINDER).count() == 1
    receiver.wait_for("/john", 1, timeout=10)
    assert len(receiver.at("/john")) == 1
