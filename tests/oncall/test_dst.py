"""Wall-clock handoffs across DST (US and EU, spring and fall), RFC 5545 gap and fold rules."""

from datetime import UTC, datetime, timedelta

import pytest

from oncall import selectors
from tests.oncall.factories import local

pytestmark = pytest.mark.django_db

NEW_YORK, BERLIN = "America/New_York", "Europe/Berlin"


def layer(people, kind, start, length=1, **extra):
    return {"participants": people, "rotation_type": kind, "shift_length": length, "rotation_start": local(start),
            **extra}


@pytest.mark.parametrize(
    ("zone", "start", "hours"),
    [
        (NEW_YORK, "2025-03-03T09:00", [167, 168]),  # US spring forward on 9 March
        (NEW_YORK, "2025-10-27T09:00", [169, 168]),  # US fall back on 2 November
        (BERLIN, "2025-03-24T09:00", [167, 168]),  # EU spring forward on 30 March
        (BERLIN, "2025-10-20T09:00", [169, 168]),  # EU fall back on 26 October
    ],
)
def test_weekly_rotation_hands_off_at_the_same_wall_clock_time_across_dst(
        people, make_schedule, local_shifts, zone, start, hours):
    schedule = make_schedule([layer(people[:2], "weekly", start)], time_zone=zone)
    until = (local(start) + timedelta(days=15)).isoformat()
    shifts = local_shifts(schedule, start, until)[:2]
    assert [s[0] for s in shifts] == ["Ann", "Ben"]
    assert all(s[1].endswith("T09:00") for s in shifts)
    assert [s[3] for s in shifts] == hours


@pytest.mark.parametrize(
    ("zone", "start", "hours"),
    [
        (NEW_YORK, "2025-03-08T09:00", [23, 24]),
        (NEW_YORK, "2025-11-01T09:00", [25, 24]),
        (BERLIN, "2025-03-29T09:00", [23, 24]),
        (BERLIN, "2025-10-25T09:00", [25, 24]),
    ],
)
def test_daily_rotation_across_dst(people, make_schedule, local_shifts, zone, start, hours):
    schedule = make_schedule([layer(people[:2], "daily", start)], time_zone=zone)
    shifts = local_shifts(schedule, start, (local(start) + timedelta(days=2)).isoformat())
    assert [s[0] for s in shifts] == ["Ann", "Ben"]
    assert [s[1][11:] for s in shifts] == ["09:00", "09:00"]
    assert [s[3] for s in shifts] == hours


def test_handoff_inside_the_spring_gap_moves_forward_by_the_gap(people, make_schedule):
    # 02:30 does not exist in New York on 9 March 2025: the handoff happens at 03:30 EDT (07:30 UTC).
    schedule = make_schedule([layer(people[:2], "daily", "2025-03-07T02:30")], time_zone=NEW_YORK)
    shifts = selectors.shifts(schedule, datetime(2025, 3, 8, 12, tzinfo=UTC), datetime(2025, 3, 11, tzinfo=UTC))
    handoffs = [s.start for s in shifts[1:]]
    assert handoffs == [datetime(2025, 3, 9, 7, 30, tzinfo=UTC), datetime(2025, 3, 10, 6, 30, tzinfo=UTC)]
    assert selectors.who_is_on_call(schedule, datetime(2025, 3, 9, 7, 29, tzinfo=UTC)) == [people[1]]
    assert selectors.who_is_on_call(schedule, datetime(2025, 3, 9, 7, 30, tzinfo=UTC)) == [people[0]]


def test_ambiguous_handoff_on_fall_back_night_is_the_first_occurrence(people, make_schedule):
    # 01:30 happens twice in New York on 2 November 2025: the first one is 01:30 EDT (05:30 UTC).
    schedule = make_schedule([layer(people[:2], "daily", "2025-10-31T01:30")], time_zone=NEW_YORK)
    shifts = selectors.shifts(schedule, datetime(2025, 11, 1, 12, tzinfo=UTC), datetime(2025, 11, 3, 12, tzinfo=UTC))
    assert [s.start for s in shifts[1:]] == [datetime(2025, 11, 2, 5, 30, tzinfo=UTC),
                                             datetime(2025, 11, 3, 6, 30, tzinfo=UTC)]
    assert (shifts[1].end - shifts[1].start).total_seconds() == 25 * 3600


@pytest.mark.parametrize(("start", "odd_hours"), [("2025-03-08T08:00", 11), ("2025-11-01T08:00", 13)])
def test_twelve_hour_rotation_always_hands_off_at_8_and_20_local(people, make_schedule, local_shifts, start,
                                                                 odd_hours):
    schedule = make_schedule([layer(people[:2], "hourly", start, length=12)], time_zone=NEW_YORK)
    shifts = local_shifts(schedule, start, (local(start) + timedelta(days=3)).isoformat())
    assert {s[1][11:] for s in shifts} == {"08:00", "20:00"}
    assert [s[0] for s in shifts[:3]] == ["Ann", "Ben", "Ann"]
    assert shifts[1][3] == odd_hours  # the night of the change
    assert {s[3] for s in shifts[2:]} == {12}


def test_monthly_rotation_anchored_on_the_31st_clamps_to_the_months_end(people, make_schedule, local_shifts):
    schedule = make_schedule([layer(people[:3], "monthly", "2025-01-31T09:00")], time_zone=BERLIN)
    shifts = local_shifts(schedule, "2025-01-31T00:00", "2025-06-01T00:00")
    assert [(s[0], s[1]) for s in shifts] == [
        ("Ann", "2025-01-31T09:00"), ("Ben", "2025-02-28T09:00"), ("Cat", "2025-03-31T09:00"),
        ("Ann", "2025-04-30T09:00"), ("Ben", "2025-05-31T09:00"),
    ]
