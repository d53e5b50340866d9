"""Read side of on-call: the one source of truth for who is on call.

The API, iCal feeds, handoff notices and paging (incidents/comms) all call these, so they
never disagree. Rows are turned into the plain specs of ``oncall.scheduling`` once.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, TextField
from django.db.models.functions import Cast

from oncall import scheduling
from oncall.models import (
    EscalationPolicy,
    EscalationStep,
    Layer,
    LayerVersion,
    OncallPreference,
    Override,
    ResponderGroup,
    Schedule,
)
from tenancy.models import Organization, User

OVERFLOW_CAP = timedelta(days=62)


@dataclass(frozen=True, slots=True)
class Shift:
    """A final shift piece with its person: ``user`` is on call over [start, end) because of ``source``."""

    user: User
    start: datetime
    end: datetime
    source: scheduling.Source

    @property
    def user_id(self) -> int:
        return self.user.pk


def floating(value: datetime | None) -> datetime | None:
    """A stored floating local date-time as the naive wall-clock value it stands for."""
    if value is None:
        return None
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def version_spec(version: LayerVersion) -> scheduling.VersionSpec:
    return scheduling.VersionSpec(
        participants=tuple(version.participants),
        rotation_type=version.rotation_type,
        shift_length=version.shift_length,
        rotation_start=floating(version.rotation_start),
        end=floating(version.end),
        restrictions=tuple(scheduling.Restriction.from_dict(item) for item in version.restrictions or ()),
        participant_offset=version.participant_offset,
        effective_from=version.effective_from.astimezone(UTC) if version.effective_from else None,
    )


def layer_spec(layer: Layer) -> scheduling.LayerSpec:
    versions = sorted(layer.versions.all(), key=lambda v: (v.effective_from is not None, v.effective_from, v.id))
    return scheduling.LayerSpec(id=layer.pk, priority=layer.priority, name=layer.name,
                                versions=[version_spec(version) for version in versions])


def schedule_spec(schedule: Schedule) -> scheduling.ScheduleSpec:
    """The pure spec of a schedule; uses prefetched ``layers__versions`` and ``overrides`` when there."""
    return scheduling.ScheduleSpec(
        id=schedule.pk,
        name=schedule.name,
        time_zone=schedule.time_zone,
        layers=[layer_spec(layer) for layer in schedule.layers.all()],
        overrides=[
            scheduling.OverrideSpec(id=o.pk, user_id=o.user_id, start=o.start.astimezone(UTC),
                                    end=o.end.astimezone(UTC), replaces_user_id=o.replaces_user_id)
            for o in schedule.overrides.all()
        ],
    )


def schedule_queryset(*, since: datetime | None = None, until: datetime | None = None) -> QuerySet[Schedule]:
    """Schedules with everything the computation needs in three more queries, overrides limited to a window."""
    overrides = Override.objects.order_by("id")
    if since is not None:
        overrides = overrides.filter(end__gt=since)
    if until is not None:
        overrides = overrides.filter(start__lt=until)
    return Schedule.objects.prefetch_related(
        Prefetch("layers", queryset=Layer.objects.prefetch_related("versions")),
        Prefetch("overrides", queryset=overrides),
    )


def _load(schedule: Schedule, since: datetime, until: datetime) -> scheduling.ScheduleSpec:
    cache = getattr(schedule, "_prefetched_objects_cache", {})
    if "layers" not in cache or "overrides" not in cache:
        schedule = schedule_queryset(since=since, until=until).get(pk=schedule.pk)
    return schedule_spec(schedule)


def users_by_id(ids) -> dict[int, User]:
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    return get_user_model().objects.in_bulk(ids)


def _with_users(pieces: list) -> list[Shift]:
    users = users_by_id(piece.user_id for piece in pieces)
    return [Shift(users[p.user_id], p.start, p.end, p.source) for p in pieces if p.user_id in users]


def shifts(schedule: Schedule, since: datetime, until: datetime, *, overflow: bool = False) -> list[Shift]:
    """Final shifts in [since, until), clipped to it (``overflow``: pieces come whole)."""
    since, until = scheduling.as_utc(since), scheduling.as_utc(until)
    widen = OVERFLOW_CAP if overflow else timedelta(0)
    spec = _load(schedule, since - widen, until + widen)
    if overflow:
        return _with_users(scheduling.whole_pieces(spec, since, until, OVERFLOW_CAP))
    return _with_users(scheduling.final_pieces(spec, since, until))


def gaps(schedule: Schedule, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    since, until = scheduling.as_utc(since), scheduling.as_utc(until)
    return scheduling.gaps(_load(schedule, since, until), since, until)


def on_call_at(schedule: Schedule, at: datetime) -> tuple[list[User], scheduling.Source | None]:
    at = scheduling.as_utc(at)
    spec = _load(schedule, at, at + timedelta(microseconds=1))
    user_id, source = scheduling.final_user_at(spec, at)
    users = users_by_id([user_id])
    return ([users[user_id]] if user_id in users else []), source


def who_is_on_call(schedule: Schedule, at: datetime) -> list[User]:
    """The person(s) on call on ``schedule`` at the instant ``at`` (empty in a gap)."""
    return on_call_at(schedule, at)[0]


def who_is_on_call_many(schedules, at: datetime) -> list[tuple[Schedule, list[User], scheduling.Source | None]]:
    """Who is on call on each schedule (prefetch with ``schedule_queryset``), users loaded in one query."""
    at = scheduling.as_utc(at)
    found = [(schedule, *scheduling.final_user_at(schedule_spec(schedule), at)) for schedule in schedules]
    users = users_by_id(user_id for _schedule, user_id, _source in found)
    return [(schedule, [users[uid]] if uid in users else [], source) for schedule, uid, source in found]


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call on one schedule at one instant (the "who do I call" page, paging)."""

    schedule_id: int
    schedule_name: str
    time_zone: str
    users: list
    source: scheduling.Source | None


@lru_cache(maxsize=4096)
def _participants(text: str) -> tuple:
    return tuple(json.loads(text))


@lru_cache(maxsize=4096)
def _restrictions(text: str | None) -> tuple:
    return tuple(scheduling.Restriction.from_dict(item) for item in json.loads(text or "[]"))


def _version_from_row(row: tuple) -> scheduling.VersionSpec:
    """JSON columns come as text and are decoded once per distinct value (most layers share them)."""
    (_layer_id, effective_from, participants, rotation_type, shift_length, rotation_start, end, restrictions,
     offset, _pk) = row
    return scheduling.VersionSpec(
        participants=_participants(participants), rotation_type=rotation_type, shift_length=shift_length,
        rotation_start=floating(rotation_start), end=floating(end), restrictions=_restrictions(restrictions),
        participant_offset=offset, effective_from=effective_from.astimezone(UTC) if effective_from else None,
    )


def schedule_specs(*, organization: Organization, since: datetime, until: datetime,
                   schedule_ids=None) -> list[scheduling.ScheduleSpec]:
    """Specs of the org's schedules (ordered by name) from four flat queries: no model instances,
    which is what keeps "who is on call" on 1,000 schedules inside its budget."""
    schedules = Schedule.objects.for_org(organization)
    if schedule_ids is not None:
        schedules = schedules.filter(pk__in=list(schedule_ids))
    rows = list(schedules.order_by("name", "id").values_list("id", "name", "time_zone"))
    wanted = [row[0] for row in rows]
    versions: dict = {}
    for row in (LayerVersion.objects.filter(layer__schedule_id__in=wanted)
                .annotate(participants_text=Cast("participants", TextField()),
                          restrictions_text=Cast("restrictions", TextField()))
                .values_list("layer_id", "effective_from", "participants_text", "rotation_type", "shift_length",
                             "rotation_start", "end", "restrictions_text", "participant_offset", "id")):
        versions.setdefault(row[0], []).append(row)
    layers: dict = {}
    for layer_id, schedule_id, priority, name in Layer.objects.filter(schedule_id__in=wanted).values_list(
            "id", "schedule_id", "priority", "name"):
        ordered = sorted(versions.get(layer_id, []), key=lambda r: (r[1] is not None, r[1] or since, r[9]))
        layers.setdefault(schedule_id, []).append(scheduling.LayerSpec(
            id=layer_id, priority=priority, name=name, versions=[_version_from_row(r) for r in ordered]))
    overrides: dict = {}
    for pk, schedule_id, user_id, start, end, replaces in (
            Override.objects.filter(schedule_id__in=wanted, end__gt=since, start__lt=until)
            .values_list("id", "schedule_id", "user_id", "start", "end", "replaces_user_id")):
        overrides.setdefault(schedule_id, []).append(scheduling.OverrideSpec(
            id=pk, user_id=user_id, start=start.astimezone(UTC), end=end.astimezone(UTC), replaces_user_id=replaces))
    return [
        scheduling.ScheduleSpec(id=pk, name=name, time_zone=zone, layers=layers.get(pk, []),
                                overrides=overrides.get(pk, []))
        for pk, name, zone in rows
    ]


def oncall_now(*, organization: Organization, at: datetime, schedule_ids=None) -> list[OnCall]:
    """Who is on call at ``at`` on every schedule of the org (or those of ``schedule_ids``): five queries."""
    at = scheduling.as_utc(at)
    specs = schedule_specs(organization=organization, since=at, until=at + timedelta(microseconds=1),
                           schedule_ids=schedule_ids)
    found = [(spec, *scheduling.final_user_at(spec, at)) for spec in specs]
    users = users_by_id(user_id for _spec, user_id, _source in found)
    return [OnCall(spec.id, spec.name, spec.time_zone, [users[uid]] if uid in users else [], source)
            for spec, uid, source in found]


def schedules_used_by_policies(*, organization: Organization) -> QuerySet[Schedule]:
    return Schedule.objects.for_org(organization).filter(escalation_steps__isnull=False).distinct()


def policies_using_schedule(schedule: Schedule) -> list[EscalationPolicy]:
    return list(EscalationPolicy.objects.filter(steps__schedules=schedule).distinct().order_by("name"))


# --- escalation ----------------------------------------------------------------------------

def _dedupe(users) -> list[User]:
    seen: set = set()
    out = []
    for user in users:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            out.append(user)
    return out


def _resolve(organization_id: int, user_ids, schedule_ids, group_ids, at: datetime) -> list[User]:
    """Users first, then whoever is on call on each schedule, then group members; deduplicated."""
    at = scheduling.as_utc(at)
    found: list = []
    if user_ids:
        users = users_by_id(user_ids)
        found.extend(users[pk] for pk in user_ids if pk in users)
    if schedule_ids:
        organization = Organization(pk=organization_id)
        by_id = {row.schedule_id: row.users for row in oncall_now(organization=organization, at=at,
                                                                   schedule_ids=schedule_ids)}
        for pk in schedule_ids:
            found.extend(by_id.get(pk, []))
    if group_ids:
        groups = ResponderGroup.objects.filter(organization_id=organization_id, pk__in=group_ids).prefetch_related(
            Prefetch("members", queryset=get_user_model().objects.order_by("email")))
        by_id = {group.pk: list(group.members.all()) for group in groups}
        for pk in group_ids:
            found.extend(by_id.get(pk, []))
    return _dedupe(found)


def escalation_step_targets(step: EscalationStep, at: datetime) -> list[User]:
    """Who a step pages at ``at``: deduplicated, ordered; empty when it resolves to nobody."""
    return _resolve(step.organization_id, sorted(u.pk for u in step.users.all()),
                    sorted(s.pk for s in step.schedules.all()), sorted(g.pk for g in step.groups.all()), at)


def escalation_policy_default(organization_id: int) -> EscalationPolicy | None:
    """The org's fallback policy (``is_default``), or None."""
    return EscalationPolicy.objects.filter(organization_id=organization_id, is_default=True).first()


def escalation_policy_for(*, organization_id: int, service=None) -> EscalationPolicy | None:
    """The policy that pages an incident of ``service``: the service's own, else the org's default.
    None means nobody is paged (the incident carries a warning)."""
    if service is not None and service.escalation_policy_id is not None:
        return service.escalation_policy
    return escalation_policy_default(organization_id)


def escalation_policy_first_responders(policy: EscalationPolicy, at: datetime) -> list[User]:
    """The users of the first step that resolves to somebody (the first becomes Incident Commander)."""
    for step in policy.steps.order_by("position"):
        targets = escalation_step_targets(step, at)
        if targets:
            return targets
    return []


def escalation_policy_snapshot(policy: EscalationPolicy) -> dict:
    """The policy as JSON-safe data, so a paging run keeps the steps it started with."""
    steps = EscalationStep.objects.filter(policy=policy).order_by("position").prefetch_related(
        "users", "schedules", "groups")
    return {
        "id": policy.pk,
        "name": policy.name,
        "repeat_count": policy.repeat_count,
        "repeat_from_position": policy.repeat_from_position,
        "steps": [
            {
                "position": step.position,
                "delay_minutes": step.delay_minutes,
                "user_ids": sorted(u.pk for u in step.users.all()),
                "schedule_ids": sorted(s.pk for s in step.schedules.all()),
                "group_ids": sorted(g.pk for g in step.groups.all()),
            }
            for step in steps
        ],
    }


def snapshot_step_targets(*, organization: Organization, step_dict: dict, at: datetime) -> list[User]:
    """Resolve one step of ``escalation_policy_snapshot`` at ``at`` (ids of other orgs resolve to nobody)."""
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    member_ids = set(
        get_user_model().objects.filter(memberships__organization_id=organization_id,
                                        pk__in=step_dict.get("user_ids") or []).values_list("pk", flat=True)
    )
    user_ids = [pk for pk in step_dict.get("user_ids") or [] if pk in member_ids]
    return _resolve(organization_id, user_ids, step_dict.get("schedule_ids") or [],
                    step_dict.get("group_ids") or [], at)


def oncall_preference_get(*, organization: Organization, user) -> OncallPreference:
    """The person's handoff settings in the org: the stored row, or an unsaved one with the defaults."""
    found = OncallPreference.objects.filter(organization=organization, user=user).first()
    return found or OncallPreference(organization=organization, user=user)
