"""Property-based tests of the schedule computation (pure: no database)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall import scheduling
from oncall.scheduling import LayerSpec, OverrideSpec, Restriction, ScheduleSpec, VersionSpec

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]
USERS = st.integers(min_value=1, max_value=5)
BASE = datetime(2025, 1, 1, tzinfo=UTC)
# Per test, not a global profile: other apps' property tests keep their own settings.
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def restrictions(draw):
    kind = draw(st.sampled_from(["daily_restriction", "weekly_restriction"]))
    limit = 86_400 if kind == "daily_restriction" else 7 * 86_400
    return Restriction.from_dict({
        "type": kind,
        "start_time_of_day": f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 30])):02d}:00",
        "duration_seconds": draw(st.integers(1800, limit)),
        "start_day_of_week": draw(st.integers(1, 7)),
    })


@st.composite
def versions(draw):
    kind = draw(st.sampled_from(["hourly", "daily", "weekly", "monthly"]))
    length = draw(st.integers(4, 24)) if kind == "hourly" else draw(st.integers(1, 3))
    offset = timedelta(hours=draw(st.integers(0, 24 * 90)), minutes=draw(st.sampled_from([0, 30])))
    start = datetime.fromisoformat("2025-01-01T00:00") + offset
    return VersionSpec(
        participants=tuple(draw(st.lists(USERS, min_size=1, max_size=4))),
        rotation_type=kind, shift_length=length, rotation_start=start,
        restrictions=tuple(draw(st.lists(restrictions(), max_size=2))),
    )


@st.composite
def schedules(draw):
    layers = [LayerSpec(id=index + 1, priority=index, versions=[draw(versions())])
              for index in range(draw(st.integers(1, 3)))]
    overrides = []
    for index in range(draw(st.integers(0, 6))):
        start = BASE + timedelta(hours=draw(st.integers(0, 24 * 120)))
        overrides.append(OverrideSpec(
            id=100 + index, user_id=draw(USERS), start=start, end=start + timedelta(hours=draw(st.integers(1, 200))),
            replaces_user_id=draw(st.one_of(st.none(), USERS)),
        ))
    return ScheduleSpec(id=1, name="S", time_zone=draw(st.sampled_from(ZONES)), layers=layers, overrides=overrides)


def window(draw_hours):
    since = BASE + timedelta(hours=draw_hours[0])
    return since, since + timedelta(hours=draw_hours[1])


WINDOWS = st.tuples(st.integers(0, 24 * 120), st.integers(1, 24 * 40))


@PROPERTY
@given(schedules(), WINDOWS)
def test_pieces_never_overlap_and_with_gaps_sum_to_the_window(spec, hours):
    since, until = window(hours)
    pieces = scheduling.final_pieces(spec, since, until)
    for piece in pieces:
        assert since <= piece.start < piece.end <= until
    for left, right in pairwise(pieces):
        assert left.end <= right.start
        assert not (left.end == right.start and left.user_id == right.user_id and left.source == right.source)
    covered = sum((p.end - p.start for p in pieces), timedelta())
    empty = sum((end - start for start, end in scheduling.gaps(spec, since, until, pieces)), timedelta())
    assert covered + empty == until - since


def join(chunks):
    joined = []
    for piece in (p for chunk in chunks for p in chunk):
        last = joined[-1] if joined else None
        if last and last.end == piece.start and last.user_id == piece.user_id and last.source == piece.source:
            joined[-1] = replace(last, end=piece.end)
        else:
            joined.append(piece)
    return joined


@PROPERTY
@given(schedules(), WINDOWS, st.lists(st.integers(1, 24 * 10), min_size=1, max_size=6))
def test_one_long_window_equals_many_short_ones_joined(spec, hours, cuts):
    since, until = window(hours)
    bounds = [since]
    for cut in cuts:
        bounds.append(min(bounds[-1] + timedelta(hours=cut), until))
    bounds.append(until)
    bounds = sorted(set(bounds))
    chunks = [scheduling.final_pieces(spec, a, b) for a, b in pairwise(bounds)]
    assert join(chunks) == scheduling.final_pieces(spec, since, until)


@PROPERTY
@given(schedules(), WINDOWS, st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_who_is_on_call_is_the_piece_containing_the_instant(spec, hours, fractions):
    since, until = window(hours)
    pieces = scheduling.final_pieces(spec, since, until)
    instants = [since + (until - since) * f for f in fractions] + [p.start for p in pieces]
    for instant in instants:
        if instant >= until:
            continue
        containing = [p for p in pieces if p.start <= instant < p.end]
        expected = (containing[0].user_id, containing[0].source) if containing else (None, None)
        assert scheduling.final_user_at(spec, instant) == expected


@PROPERTY
@given(schedules(), WINDOWS, st.integers(1, 24 * 60), st.lists(USERS, min_size=1, max_size=4),
       st.integers(1, 3))
def test_a_change_at_t_never_alters_a_piece_before_t(spec, hours, offset, participants, length):
    since, until = window(hours)
    change_at = since + timedelta(hours=offset)
    layer = spec.layers[0]
    old = layer.versions[-1]
    new = replace(old, participants=tuple(participants), shift_length=length, effective_from=change_at)
    new.participant_offset = scheduling.successor_offset(old, new, spec.tz, change_at)
    before = scheduling.final_pieces(spec, since, change_at)
    changed = replace(spec, layers=[replace(layer, versions=[*layer.versions, new]), *spec.layers[1:]])
    changed.tz = spec.tz
    assert scheduling.final_pieces(changed, since, change_at) == before
    after = scheduling.final_pieces(changed, since, max(until, change_at + timedelta(hours=1)))
    clipped = [replace(p, end=min(p.end, change_at)) for p in after if p.start < change_at]
    assert clipped == before
