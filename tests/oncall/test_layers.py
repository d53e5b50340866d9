"""Layers, restrictions, overrides and layer changes over time (through services and selectors)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from oncall import selectors, services
from tests.oncall.factories import local

pytestmark = pytest.mark.django_db

BERLIN = "Europe/Berlin"
DAY_9_TO_17 = {"type": "daily_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 8 * 3600}
NIGHTS = {"type": "daily_restriction", "start_time_of_day": "22:00:00", "duration_seconds": 8 * 3600}


def layer(people, kind="daily", start="2025-01-06T09:00", **extra):
    return {"participants": people, "rotation_type": kind, "shift_length": 1, "rotation_start": local(start), **extra}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_restriction_only_masks_time_and_turns_still_advance(people, make_schedule, local_shifts):
    schedule = make_schedule([layer(people[:2], restrictions=[DAY_9_TO_17])])
    shifts = local_shifts(schedule, "2025-01-06T00:00", "2025-01-09T00:00")
    assert [(s[0], s[1], s[2]) for s in shifts] == [
        ("Ann", "2025-01-06T09:00", "2025-01-06T17:00"),
        ("Ben", "2025-01-07T09:00", "2025-01-07T17:00"),
        ("Ann", "2025-01-08T09:00", "2025-01-08T17:00"),
    ]


def test_weekly_restriction_window(people, make_schedule, local_shifts):
    weekend = {"type": "weekly_restriction", "start_day_of_week": 6, "start_time_of_day": "00:00:00",
               "duration_seconds": 2 * 86400}
    schedule = make_schedule([layer(people[:2], kind="weekly", restrictions=[weekend])])
    shifts = local_shifts(schedule, "2025-01-06T00:00", "2025-01-20T00:00")
    assert [(s[0], s[1], s[2]) for s in shifts] == [
        ("Ann", "2025-01-11T00:00", "2025-01-13T00:00"),
        ("Ben", "2025-01-18T00:00", "2025-01-20T00:00"),
    ]


@pytest.mark.parametrize(("night", "hours"), [("2025-03-29", 7), ("2025-10-25", 9)])
def test_night_restriction_over_a_dst_night_ends_at_6_local(people, make_schedule, local_shifts, night, hours):
    schedule = make_schedule([layer(people[:1], kind="weekly", start="2025-01-06T00:00", restrictions=[NIGHTS])],
                             time_zone=BERLIN)
    day = datetime.fromisoformat(night)
    shifts = local_shifts(schedule, f"{night}T12:00", (day + timedelta(days=1)).strftime("%Y-%m-%dT12:00"))
    assert [(s[1][11:], s[2][11:], s[3]) for s in shifts] == [("22:00", "06:00", hours)]


def test_higher_layer_masks_a_lower_one_only_inside_its_restriction_window(people, make_schedule, local_shifts):
    base = layer(people[:1], kind="weekly", priority=1)
    daytime = layer(people[1:2], kind="weekly", priority=2, restrictions=[DAY_9_TO_17])
    schedule = make_schedule([base, daytime])
    shifts = local_shifts(schedule, "2025-01-07T00:00", "2025-01-08T00:00")
    assert [(s[0], s[1][11:], s[2][11:]) for s in shifts] == [
        ("Ann", "00:00", "09:00"), ("Ben", "09:00", "17:00"), ("Ann", "17:00", "00:00"),
    ]
    assert shifts[1][3] == 8


def test_override_partially_overlapping_two_shifts_cuts_both(people, make_schedule, local_shifts):
    ann, ben, cat = people[:3]
    schedule = make_schedule([layer([ann, ben])])
    services.override_create(schedule=schedule, user=cat, start=at("2025-01-07T06:00"), end=at("2025-01-07T12:00"))
    shifts = local_shifts(schedule, "2025-01-06T09:00", "2025-01-08T09:00")
    assert [(s[0], s[1], s[2]) for s in shifts] == [
        ("Ann", "2025-01-06T09:00", "2025-01-07T06:00"),
        ("Cat", "2025-01-07T06:00", "2025-01-07T12:00"),
        ("Ben", "2025-01-07T12:00", "2025-01-08T09:00"),
    ]
    shift = selectors.shifts(schedule, at("2025-01-07T07:00"), at("2025-01-07T08:00"))[0]
    assert shift.source.type == "override"


def test_overlapping_overrides_the_last_created_wins(people, make_schedule, local_shifts):
    ann, ben, cat, dan = people
    schedule = make_schedule([layer([ann])])
    services.override_create(schedule=schedule, user=ben, start=at("2025-01-07T10:00"), end=at("2025-01-07T14:00"))
    services.override_create(schedule=schedule, user=cat, start=at("2025-01-07T12:00"), end=at("2025-01-07T16:00"))
    # Created last, though it starts first and lies under the others: it wins where it is.
    services.override_create(schedule=schedule, user=dan, start=at("2025-01-07T09:00"), end=at("2025-01-07T11:00"))
    shifts = local_shifts(schedule, "2025-01-07T08:00", "2025-01-07T18:00")
    assert [(s[0], s[1][11:], s[2][11:]) for s in shifts] == [
        ("Ann", "08:00", "09:00"), ("Dan", "09:00", "11:00"), ("Ben", "11:00", "12:00"),
        ("Cat", "12:00", "16:00"), ("Ann", "16:00", "18:00"),
    ]


def test_replaces_user_override_applies_only_where_that_person_is_on_call(people, make_schedule, local_shifts):
    ann, ben, cat = people[:3]
    schedule = make_schedule([layer([ann, ben], restrictions=[DAY_9_TO_17])])
    services.override_create(schedule=schedule, user=cat, replaces_user=ann, start=at("2025-01-06T00:00"),
                             end=at("2025-01-10T00:00"))
    shifts = local_shifts(schedule, "2025-01-06T00:00", "2025-01-10T00:00")
    assert [(s[0], s[1]) for s in shifts] == [
        ("Cat", "2025-01-06T09:00"), ("Ben", "2025-01-07T09:00"), ("Cat", "2025-01-08T09:00"),
        ("Ben", "2025-01-09T09:00"),
    ]
    # Gaps stay gaps: nobody outside the restriction window.
    assert selectors.who_is_on_call(schedule, at("2025-01-06T20:00")) == []
    assert len(selectors.gaps(schedule, at("2025-01-06T00:00"), at("2025-01-07T00:00"))) == 2


def _change(schedule, participants, effective_from):
    current = schedule.layers.get()
    version = current.versions.get()
    services.schedule_update(schedule=schedule, effective_from=effective_from, layers=[{
        "id": current.pk, "participants": participants, "rotation_type": version.rotation_type,
        "shift_length": version.shift_length, "rotation_start": version.rotation_start.replace(tzinfo=None),
    }])


def test_removing_a_participant_who_is_not_on_call_keeps_the_current_shift(people, make_schedule, local_shifts):
    ann, ben, cat, dan = people
    schedule = make_schedule([layer([ann, ben, cat, dan], kind="weekly")])
    before = local_shifts(schedule, "2025-01-06T09:00", "2025-01-09T12:00")
    _change(schedule, [ann, ben, dan], at("2025-01-09T12:00"))  # Ann is on call; Cat leaves
    shifts = local_shifts(schedule, "2025-01-06T09:00", "2025-02-10T09:00")
    assert [(s[0], s[1]) for s in shifts] == [
        ("Ann", "2025-01-06T09:00"), ("Ben", "2025-01-13T09:00"), ("Dan", "2025-01-20T09:00"),
        ("Ann", "2025-01-27T09:00"), ("Ben", "2025-02-03T09:00"),
    ]
    assert local_shifts(schedule, "2025-01-06T09:00", "2025-01-09T12:00") == before


def test_removing_the_person_on_call_hands_over_to_their_successor_at_once(people, make_schedule, local_shifts):
    ann, ben, cat, dan = people
    schedule = make_schedule([layer([ann, ben, cat, dan], kind="weekly")])
    _change(schedule, [ann, cat, dan], at("2025-01-15T12:00"))  # Ben is on call and leaves
    shifts = local_shifts(schedule, "2025-01-13T09:00", "2025-02-10T09:00")
    assert [(s[0], s[1], s[2]) for s in shifts] == [
        ("Ben", "2025-01-13T09:00", "2025-01-15T12:00"),
        ("Cat", "2025-01-15T12:00", "2025-01-20T09:00"),  # the rest of Ben's week, at once
        ("Dan", "2025-01-20T09:00", "2025-01-27T09:00"),  # then the rotation goes on, same cadence
        ("Ann", "2025-01-27T09:00", "2025-02-03T09:00"),
        ("Cat", "2025-02-03T09:00", "2025-02-10T09:00"),
    ]


def test_a_change_takes_effect_from_effective_from_never_before(people, make_schedule):
    ann, ben, cat, _dan = people
    schedule = make_schedule([layer([ann, ben])])
    _change(schedule, [cat], at("2025-01-10T15:00"))
    assert selectors.who_is_on_call(schedule, at("2025-01-10T14:59")) == [ann]
    assert selectors.who_is_on_call(schedule, at("2025-01-09T14:59")) == [ben]
    assert selectors.who_is_on_call(schedule, at("2025-01-10T15:00")) == [cat]
    assert selectors.who_is_on_call(schedule, at("2025-01-08T10:00")) == [ann]


def test_gaps_are_the_spans_with_nobody(people, make_schedule):
    schedule = make_schedule([layer(people[:1], start="2025-01-06T00:00", end=local("2025-01-08T00:00"))])
    assert selectors.gaps(schedule, at("2025-01-05T00:00"), at("2025-01-09T00:00")) == [
        (at("2025-01-05T00:00"), at("2025-01-06T00:00")), (at("2025-01-08T00:00"), at("2025-01-09T00:00")),
    ]


def test_a_later_rotation_start_without_effective_from_keeps_the_old_rotation_until_then(people, make_schedule):
    ann, ben, cat, _dan = people
    schedule = make_schedule([layer([ann, ben], kind="weekly")])
    current = schedule.layers.get()
    with time_machine.travel(at("2025-01-08T12:00"), tick=False):
        services.schedule_update(schedule=schedule, layers=[{
            "id": current.pk, "participants": [cat], "rotation_type": "weekly", "shift_length": 1,
            "rotation_start": local("2025-01-20T10:00")}])
    assert selectors.who_is_on_call(schedule, at("2025-01-15T12:00")) == [ben]  # no gap before the new start
    assert selectors.who_is_on_call(schedule, at("2025-01-20T09:30")) == [ann]
    assert selectors.who_is_on_call(schedule, at("2025-01-20T10:00")) == [cat]
