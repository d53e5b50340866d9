"""Pure on-call computation: who is on call, and the final shifts of a schedule.

No database here: ``oncall.selectors`` turns rows into the plain specs below, so the
API, iCal feeds, handoff notices and paging all read one computation.

Time semantics, one rule everywhere: a handoff is a wall-clock time in the schedule's
zone. Slot k of a layer starts at ``rotation_start + k * shift_length units`` on the local
calendar (monthly steps are taken from the anchor and clamped to the month's end) and is
turned into an instant with RFC 5545's rule: an ambiguous local time is its first
occurrence and a time inside a spring-forward gap moves forward by the gap. Python's
``naive.replace(tzinfo=zone)`` (fold=0) gives exactly that once converted to UTC: in a gap,
fold=0 applies the offset from before the transition. Intervals are half-open.
"""

import calendar
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from oncall.enums import RestrictionType, RotationType

UNITS = {
    RotationType.HOURLY: timedelta(hours=1),
    RotationType.DAILY: timedelta(days=1),
    RotationType.WEEKLY: timedelta(weeks=1),
}
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(weeks=1)
LAYER = "layer"
OVERRIDE = "override"


@dataclass(frozen=True, slots=True)
class Source:
    """Which layer or override produced a piece."""

    type: str
    id: int
    name: str = ""

    def as_dict(self) -> dict:
        return {"type": self.type, "id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Restriction:
    type: str
    start_time_of_day: time
    duration: timedelta
    start_day_of_week: int = 1  # ISO weekday, Monday = 1 (weekly only)

    @classmethod
    def from_dict(cls, data: dict) -> "Restriction":
        return cls(
            type=data["type"],
            start_time_of_day=time.fromisoformat(data["start_time_of_day"]),
            duration=timedelta(seconds=int(data["duration_seconds"])),
            start_day_of_week=int(data.get("start_day_of_week") or 1),
        )


@dataclass(slots=True)
class VersionSpec:
    """A layer's rotation from ``effective_from`` (aware; None = always) to the next version."""

    participants: tuple
    rotation_type: str
    shift_length: int
    rotation_start: datetime  # naive, local wall clock
    end: datetime | None = None  # naive, local wall clock
    restrictions: tuple = ()
    participant_offset: int = 0
    effective_from: datetime | None = None


@dataclass(slots=True)
class LayerSpec:
    id: int
    priority: int
    versions: list  # VersionSpec sorted by effective_from (None first)
    name: str = ""
    source: Source | None = None

    def __post_init__(self):
        if self.source is None:
            self.source = Source(LAYER, self.id, self.name)


@dataclass(slots=True)
class OverrideSpec:
    id: int
    user_id: int
    start: datetime
    end: datetime
    replaces_user_id: int | None = None
    source: Source | None = None

    def __post_init__(self):
        if self.source is None:
            self.source = Source(OVERRIDE, self.id, "")


@dataclass(slots=True)
class ScheduleSpec:
    id: int
    name: str
    time_zone: str
    layers: list  # any order; sorted by priority (highest first) here
    overrides: list  # any order; applied in creation (id) order
    tz: ZoneInfo = field(init=False)

    def __post_init__(self):
        self.tz = ZoneInfo(self.time_zone)
        self.layers = sorted(self.layers, key=lambda layer: -layer.priority)
        self.overrides = sorted(self.overrides, key=lambda override: override.id)


@dataclass(frozen=True, slots=True)
class Piece:
    """One final shift piece: ``user_id`` on call over [start, end) because of ``source``."""

    user_id: int
    start: datetime
    end: datetime
    source: Source


# --- wall clock ↔ instants ----------------------------------------------------------------

def to_instant(naive: datetime, tz: ZoneInfo) -> datetime:
    """RFC 5545: ambiguous → first occurrence, inside a gap → shifted forward by the gap."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def as_utc(value: datetime) -> datetime:
    """An instant in UTC; a naive one is taken as UTC (Django's TIME_ZONE), never as local time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def add_months(anchor: datetime, months: int) -> datetime:
    year, month0 = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    day = min(anchor.day, calendar.monthrange(year, month0 + 1)[1])
    return anchor.replace(year=year, month=month0 + 1, day=day)


def slot_local_start(version: VersionSpec, k: int) -> datetime:
    if version.rotation_type == RotationType.MONTHLY:
        return add_months(version.rotation_start, k * version.shift_length)
    return version.rotation_start + UNITS[version.rotation_type] * (k * version.shift_length)


def slot_start(version: VersionSpec, tz: ZoneInfo, k: int) -> datetime:
    return to_instant(slot_local_start(version, k), tz)


def slot_index(version: VersionSpec, tz: ZoneInfo, at: datetime) -> int:
    """The k with start(k) <= at < start(k + 1), found arithmetically (no walk from the anchor)."""
    local = to_local(at, tz)
    anchor = version.rotation_start
    if version.rotation_type == RotationType.MONTHLY:
        months = (local.year - anchor.year) * 12 + local.month - anchor.month
        k = months // version.shift_length
    else:
        k = (local - anchor) // (UNITS[version.rotation_type] * version.shift_length)
    # The wall clock guess can be one off around DST changes and month ends.
    while slot_start(version, tz, k) > at:
        k -= 1
    while slot_start(version, tz, k + 1) <= at:
        k += 1
    return k


def participant_at_slot(version: VersionSpec, k: int):
    participants = version.participants
    if not participants:
        return None
    return participants[(k + version.participant_offset) % len(participants)]


def version_bounds(version: VersionSpec, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """The instants the rotation runs between (first handoff, optional end)."""
    start = to_instant(version.rotation_start, tz)
    end = to_instant(version.end, tz) if version.end is not None else None
    return start, end


# --- restrictions --------------------------------------------------------------------------

def _restriction_windows(restriction: Restriction, tz: ZoneInfo, since: datetime, until: datetime) -> list:
    if restriction.type == RestrictionType.WEEKLY:
        step = ONE_WEEK
        first = to_local(since, tz).date()
        first = first - timedelta(days=first.isoweekday() - 1) - ONE_WEEK
        first = first + timedelta(days=restriction.start_day_of_week - 1)
    else:
        step = ONE_DAY
        first = to_local(since, tz).date() - ONE_DAY
    last = to_local(until, tz).date()
    windows = []
    local = datetime.combine(first, restriction.start_time_of_day)
    while local.date() <= last:
        start = to_instant(local, tz)
        end = to_instant(local + restriction.duration, tz)
        if end > since and start < until and end > start:
            windows.append((max(start, since), min(end, until)))
        local += step
    return windows


def restriction_windows(restrictions, tz: ZoneInfo, since: datetime, until: datetime) -> list:
    """The union of the restriction windows inside [since, until), sorted and disjoint."""
    windows = []
    for restriction in restrictions:
        windows.extend(_restriction_windows(restriction, tz, since, until))
    if len(restrictions) > 1:
        windows = _union(windows)
    return windows


def _union(intervals: list) -> list:
    merged: list = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _intersect(pieces: list, windows: list) -> list:
    """Cut ``(start, end, user)`` pieces to the windows (both sorted and disjoint)."""
    out = []
    i = j = 0
    while i < len(pieces) and j < len(windows):
        start, end, user = pieces[i]
        w_start, w_end = windows[j]
        lo, hi = max(start, w_start), min(end, w_end)
        if lo < hi:
            out.append((lo, hi, user))
        if end <= w_end:
            i += 1
        else:
            j += 1
    return out


def in_restrictions(restrictions, tz: ZoneInfo, at: datetime) -> bool:
    if not restrictions:
        return True
    return bool(restriction_windows(restrictions, tz, at, at + timedelta(microseconds=1)))


# --- one layer -----------------------------------------------------------------------------

def _version_spans(layer: LayerSpec, since: datetime, until: datetime):
    """(version, valid_from, valid_until) of each version overlapping [since, until)."""
    versions = layer.versions
    for index, version in enumerate(versions):
        valid_from = version.effective_from
        valid_until = versions[index + 1].effective_from if index + 1 < len(versions) else None
        lo = since if valid_from is None else max(since, valid_from)
        hi = until if valid_until is None else min(until, valid_until)
        if lo < hi:
            yield version, lo, hi


def version_at(layer: LayerSpec, at: datetime) -> VersionSpec | None:
    chosen = None
    for version in layer.versions:
        if version.effective_from is None or version.effective_from <= at:
            chosen = version
        else:
            break
    return chosen


def layer_pieces(layer: LayerSpec, tz: ZoneInfo, since: datetime, until: datetime) -> list:
    """The layer's own ``(start, end, user_id)`` pieces in [since, until), restrictions applied."""
    pieces: list = []
    for version, lo, hi in _version_spans(layer, since, until):
        start, end = version_bounds(version, tz)
        lo = max(lo, start)
        if end is not None:
            hi = min(hi, end)
        if lo >= hi or not version.participants:
            continue
        own = []
        k = slot_index(version, tz, lo)
        slot_begin = slot_start(version, tz, k)
        while slot_begin < hi:
            slot_end = slot_start(version, tz, k + 1)
            piece_start, piece_end = max(slot_begin, lo), min(slot_end, hi)
            if piece_start < piece_end:
                own.append((piece_start, piece_end, participant_at_slot(version, k)))
            k += 1
            slot_begin = slot_end
        if version.restrictions:
            own = _intersect(own, restriction_windows(version.restrictions, tz, lo, hi))
        pieces.extend(own)
    return pieces


def layer_user_at(layer: LayerSpec, tz: ZoneInfo, at: datetime):
    version = version_at(layer, at)
    if version is None or not version.participants:
        return None
    start, end = version_bounds(version, tz)
    if at < start or (end is not None and at >= end):
        return None
    if not in_restrictions(version.restrictions, tz, at):
        return None
    return participant_at_slot(version, slot_index(version, tz, at))


def rotation_participant_index(version: VersionSpec, tz: ZoneInfo, at: datetime) -> tuple[int, int] | None:
    """(slot k, index into participants) of the rotation at ``at``, restrictions ignored."""
    start, end = version_bounds(version, tz)
    if not version.participants or at < start or (end is not None and at >= end):
        return None
    k = slot_index(version, tz, at)
    return k, (k + version.participant_offset) % len(version.participants)


# --- the final schedule --------------------------------------------------------------------

def _apply_overrides(active: list, user, source):
    for override in active:
        if override.replaces_user_id is None or override.replaces_user_id == user:
            user, source = override.user_id, override.source
    return user, source


def _top_layer_user(per_layer: list, pointers: list, at: datetime) -> tuple:
    """The user and source of the highest layer with someone at ``at`` (pointers only move forward)."""
    for layer_index, (layer_source, pieces) in enumerate(per_layer):
        p = pointers[layer_index]
        while p < len(pieces) and pieces[p][1] <= at:
            p += 1
        pointers[layer_index] = p
        if p < len(pieces) and pieces[p][0] <= at:
            return pieces[p][2], layer_source
    return None, None


class _ActiveOverrides:
    """The overrides covering the current elementary span, in creation order, as the sweep advances."""

    def __init__(self, overrides: list):
        self.pending = sorted(overrides, key=lambda o: o.start)
        self.next = 0
        self.active: list = []

    def at(self, instant: datetime) -> list:
        if not self.pending:
            return self.active
        changed = False
        while self.next < len(self.pending) and self.pending[self.next].start <= instant:
            self.active.append(self.pending[self.next])
            self.next += 1
            changed = True
        if changed or any(o.end <= instant for o in self.active):
            self.active = sorted((o for o in self.active if o.end > instant), key=lambda o: o.id)
        return self.active


def _append_merged(result: list, user, source: Source, lo: datetime, hi: datetime) -> None:
    last = result[-1] if result else None
    if last is not None and last.end == lo and last.user_id == user and last.source == source:
        result[-1] = Piece(user, last.start, hi, source)
    else:
        result.append(Piece(user, lo, hi, source))


def final_pieces(spec: ScheduleSpec, since: datetime, until: datetime) -> list[Piece]:
    """Ordered, non-overlapping final pieces in [since, until); adjacent identical ones merged.

    A sweep over every boundary of every layer piece and override: in each elementary span the
    highest layer with someone wins, then the overrides covering it apply in creation order.
    """
    since, until = as_utc(since), as_utc(until)
    if since >= until:
        return []
    per_layer = [(layer.source, layer_pieces(layer, spec.tz, since, until)) for layer in spec.layers]
    overrides = [o for o in spec.overrides if o.end > since and o.start < until]
    bounds = {since, until}
    for _source, pieces in per_layer:
        bounds.update(piece[0] for piece in pieces)
        bounds.update(piece[1] for piece in pieces)
    bounds.update(max(o.start, since) for o in overrides)
    bounds.update(min(o.end, until) for o in overrides)
    bounds = sorted(bounds)
    pointers = [0] * len(per_layer)
    active = _ActiveOverrides(overrides)
    result: list = []
    for index in range(len(bounds) - 1):
        lo = bounds[index]
        user, source = _top_layer_user(per_layer, pointers, lo)
        covering = active.at(lo)
        if covering:
            user, source = _apply_overrides(covering, user, source)
        if user is not None:
            _append_merged(result, user, source, lo, bounds[index + 1])
    return result


def final_user_at(spec: ScheduleSpec, at: datetime) -> tuple:
    """(user_id or None, source or None) at the instant ``at``: the piece that contains it."""
    at = as_utc(at)
    user = source = None
    for layer in spec.layers:
        found = layer_user_at(layer, spec.tz, at)
        if found is not None:
            user, source = found, layer.source
            break
    active = [o for o in spec.overrides if o.start <= at < o.end]
    if active:
        user, source = _apply_overrides(active, user, source)
    return user, source


def gaps(spec: ScheduleSpec, since: datetime, until: datetime, pieces: list | None = None) -> list:
    """The spans of [since, until) where nobody is on call."""
    since, until = as_utc(since), as_utc(until)
    if pieces is None:
        pieces = final_pieces(spec, since, until)
    out = []
    cursor = since
    for piece in pieces:
        if piece.start > cursor:
            out.append((cursor, piece.start))
        cursor = max(cursor, piece.end)
    if cursor < until:
        out.append((cursor, until))
    return out


def longest_slot(spec: ScheduleSpec) -> timedelta:
    """An upper bound of one slot's length, to widen a window so edge pieces come whole."""
    longest = ONE_DAY
    for layer in spec.layers:
        for version in layer.versions:
            unit = timedelta(days=31) if version.rotation_type == RotationType.MONTHLY else UNITS[version.rotation_type]
            longest = max(longest, unit * version.shift_length + timedelta(hours=2))
    return longest


def whole_pieces(spec: ScheduleSpec, since: datetime, until: datetime, cap: timedelta) -> list[Piece]:
    """Pieces overlapping [since, until) unclipped (PagerDuty's ``overflow=true``), widened by at most ``cap``."""
    widen = min(longest_slot(spec), cap)
    pieces = final_pieces(spec, as_utc(since) - widen, as_utc(until) + widen)
    starts = [piece.end for piece in pieces]
    first = bisect_right(starts, as_utc(since))
    return [piece for piece in pieces[first:] if piece.start < as_utc(until)]


def successor_offset(old: VersionSpec, new: VersionSpec, tz: ZoneInfo, at: datetime) -> int:
    """The participant offset of ``new`` so the change at ``at`` keeps the person on call.

    Whoever the old rotation has at ``at`` stays until their shift ends if still a participant;
    otherwise the next person of the old order still in the new list takes over at once.
    Cadence is kept: the new version's slot containing ``at`` is theirs.
    """
    if not new.participants:
        return 0
    current = rotation_participant_index(old, tz, at)
    new_start, _end = version_bounds(new, tz)
    if current is None or at <= new_start:
        return 0  # the new rotation starts afresh at its own first handoff: participant 0
    _k, index = current
    old_list, new_list = list(old.participants), list(new.participants)
    target = None
    for step in range(len(old_list)):
        candidate = old_list[(index + step) % len(old_list)]
        if candidate in new_list:
            target = new_list.index(candidate)
            break
    if target is None:
        target = index % len(new_list)
    k_new = slot_index(new, tz, at)
    return (target - k_new) % len(new_list)
