"""The verification item "monitor for 30 minutes" ticks itself after 30 minutes in monitoring."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import services, tasks
from incidents.beat import BEAT_SCHEDULE
from incidents.enums import IncidentStatus as S
from incidents.enums import TimelineKind
from tests.incidents.helpers import bring_to

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def stable_item(incident):
    return incident.checklist_items.get(key="stable_30_minutes")


def test_beat_runs_the_tick():
    tasks_in_beat = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"incidents.tasks.incident_monitoring_tick", "incidents.events.sweep"} <= tasks_in_beat


def test_ticks_after_thirty_minutes_of_monitoring(incident):
    with time_machine.travel(START, tick=False) as traveller:
        incident = bring_to(incident, S.MONITORING)
        traveller.shift(timedelta(minutes=29))
        assert tasks.incident_monitoring_tick.delay().get() == 0
        assert not stable_item(incident).done

        traveller.shift(timedelta(minutes=2))
        count = incident.timeline.count()
        assert tasks.incident_monitoring_tick.delay().get() == 1
        item = stable_item(incident)
        assert item.done
        assert item.automatic
        assert item.checked_by is None
        assert item.checked_at == START + timedelta(minutes=31)
        event = incident.timeline.order_by("-id").first()
        assert incident.timeline.count() == count + 1
        assert event.kind == TimelineKind.CHECKLIST_UPDATED
        assert event.actor is None

        traveller.shift(timedelta(minutes=5))
        assert services.incident_monitoring_tick() == 0, "ticks once"


def test_leaving_monitoring_restarts_the_clock(incident):
    with time_machine.travel(START, tick=False) as traveller:
        incident = bring_to(incident, S.MONITORING)
        traveller.shift(timedelta(minutes=20))
        incident = services.incident_transition(incident=incident, status=S.FIXING, note="errors again")
        traveller.shift(timedelta(minutes=5))
        incident = services.incident_transition(incident=incident, status=S.MONITORING)
        traveller.shift(timedelta(minutes=20))  # 45 minutes after first entering, 20 in this stay
        assert services.incident_monitoring_tick() == 0
        traveller.shift(timedelta(minutes=11))
        assert services.incident_monitoring_tick() == 1
        assert stable_item(incident).done


def test_incidents_that_left_monitoring_are_not_ticked(incident):
    with time_machine.travel(START, tick=False) as traveller:
        incident = bring_to(incident, S.MONITORING)
        services.incident_transition(incident=incident, status=S.FIXING)
        traveller.shift(timedelta(hours=2))
        assert services.incident_monitoring_tick() == 0
        assert not stable_item(incident).done


def test_tick_plus_the_other_items_opens_the_gate(incident):
    with time_machine.travel(START, tick=False) as traveller:
        incident = bring_to(incident, S.MONITORING)
        services.incident_checklist_update(incident=incident, changes=[
            {"key": key, "done": True}
            for key in ("health_checks", "error_rate_baseline", "latency_normal", "key_features_working")])
        traveller.shift(timedelta(minutes=31))
        services.incident_monitoring_tick()
        incident = services.incident_resolve(incident=incident, root_cause="pool leak")
    assert incident.status == S.RESOLVED
    assert incident.timeline.order_by("-id").first().payload["checklist_incomplete"] == []
