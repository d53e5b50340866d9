"""Every write of the oncall app: schedules with their layers, overrides, escalation policies
with their steps, responder groups, iCal feeds and handoff preferences.

Changing a running layer never edits history: it adds a ``LayerVersion`` effective from a
given instant (default now) whose participant offset keeps whoever is on call then.
"""

import logging
import secrets
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from oncall import scheduling, selectors
from oncall.models import (
    HANDOFF_LEAD_MAX,
    HANDOFF_LEAD_MIN,
    EscalationPolicy,
    EscalationStep,
    ICalFeed,
    Layer,
    LayerVersion,
    OncallPreference,
    Override,
    ResponderGroup,
    Schedule,
)
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User
from tenancy.tokens import hash_secret

logger = logging.getLogger(__name__)

ROTATION_FIELDS = ("participants", "rotation_type", "shift_length", "rotation_start", "end", "restrictions")
ICAL_TOKEN_PREFIX = "ical_"  # noqa: S105 — a public prefix, not a secret


def _store_floating(value: datetime | None) -> datetime | None:
    """Keep the wall-clock digits of a local date-time (see ``oncall.models``)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC)


def _rotation(data: dict) -> dict:
    return {
        "participants": [getattr(user, "pk", user) for user in data["participants"]],
        "rotation_type": data["rotation_type"],
        "shift_length": data["shift_length"],
        "rotation_start": _store_floating(data["rotation_start"]),
        "end": _store_floating(data.get("end")),
        "restrictions": list(data.get("restrictions") or []),
    }


def _policy_names(policies) -> str:
    return ", ".join(f"'{policy.name}'" for policy in policies)


def _check_priorities(layers: list[dict]) -> None:
    seen: dict = {}
    for index, layer in enumerate(layers):
        layer.setdefault("priority", None)
        if layer["priority"] is None:
            layer["priority"] = index + 1
        if layer["priority"] in seen:
            raise ApplicationError(
                "Two layers have the same priority.",
                {"layers": [f"Layers {seen[layer['priority']] + 1} and {index + 1} share a priority."]},
            )
        seen[layer["priority"]] = index


def _layer_create(*, schedule: Schedule, data: dict) -> Layer:
    layer = Layer.objects.create(organization_id=schedule.organization_id, schedule=schedule,
                                 name=data.get("name", ""), priority=data["priority"])
    LayerVersion.objects.create(layer=layer, effective_from=None, **_rotation(data))
    return layer


def _latest_version(layer: Layer) -> LayerVersion:
    return max(layer.versions.all(),
               key=lambda v: (v.effective_from is not None, v.effective_from or v.created_at, v.pk))


def _layer_change(*, schedule: Schedule, layer: Layer, data: dict, effective_from: datetime) -> None:
    """Add a version when the rotation changed; rename and re-rank in place (that rewrites no shift)."""
    layer.name = data.get("name", layer.name)
    layer.save(update_fields=["name"])
    latest = _latest_version(layer)
    rotation = _rotation(data)
    if all(getattr(latest, name) == rotation[name] for name in ROTATION_FIELDS):
        return
    if latest.effective_from is not None and effective_from <= latest.effective_from:
        raise ApplicationError(
            "A layer change takes effect after the previous one.",
            {"effective_from": [f"Must be after {latest.effective_from.isoformat()}, the layer's last change."]},
        )
    tz = scheduling.ZoneInfo(schedule.time_zone)
    old_spec = selectors.version_spec(latest)
    new_version = LayerVersion(layer=layer, effective_from=effective_from, **rotation)
    new_version.participant_offset = scheduling.successor_offset(
        old_spec, selectors.version_spec(new_version), tz, effective_from.astimezone(UTC))
    new_version.save()


def _default_effective_from(schedule: Schedule, data: dict, now: datetime) -> datetime:
    """Now; or, when the new rotation only starts later, then (the old one runs until it, leaving no gap)."""
    start = scheduling.to_instant(data["rotation_start"].replace(tzinfo=None), scheduling.ZoneInfo(schedule.time_zone))
    return max(now, start)


def _layers_sync(*, schedule: Schedule, layers: list[dict], effective_from: datetime | None) -> None:
    _check_priorities(layers)
    existing = {layer.pk: layer for layer in schedule.layers.all()}
    kept = {data["id"] for data in layers if data.get("id")}
    unknown = kept - set(existing)
    if unknown:
        raise ApplicationError("Unknown layer.", {"layers": [f"Layer {sorted(unknown)[0]} is not in this schedule."]})
    removed = [layer for pk, layer in existing.items() if pk not in kept]
    if removed:
        policies = selectors.policies_using_schedule(schedule)
        if policies:
            raise ApplicationError(
                f"Cannot delete layer '{removed[0]}': the escalation policy {_policy_names(policies)} uses this "
                "schedule. Remove the schedule from the policy first.",
                {"layers": [f"Layer '{removed[0]}' is in use by escalation policy {_policy_names(policies)}."]},
            )
        Layer.objects.filter(pk__in=[layer.pk for layer in removed]).delete()
    # Park kept layers on unique temporary priorities so swapping two ranks never collides.
    for layer in existing.values():
        if layer.pk in kept:
            Layer.objects.filter(pk=layer.pk).update(priority=-1_000_000 - layer.pk)
    now = timezone.now()
    for data in layers:
        if data.get("id"):
            layer = existing[data["id"]]
            Layer.objects.filter(pk=layer.pk).update(priority=data["priority"])
            layer.priority = data["priority"]
            when = data.get("effective_from") or effective_from or _default_effective_from(schedule, data, now)
            _layer_change(schedule=schedule, layer=layer, data=data, effective_from=when)
        else:
            _layer_create(schedule=schedule, data=data)


@transaction.atomic
def schedule_create(*, organization: Organization, name: str, time_zone: str = "UTC", description: str = "",
                    layers: list[dict] | None = None) -> Schedule:
    """Create a schedule with its layers (each starts with one version covering all time)."""
    schedule = Schedule(organization=organization, name=name, time_zone=time_zone, description=description)
    schedule.full_clean()
    schedule.save()
    layers = list(layers or [])
    _check_priorities(layers)
    for data in layers:
        _layer_create(schedule=schedule, data=data)
    logger.info("schedule created", extra={"organization_id": organization.pk, "schedule_id": schedule.pk})
    return schedule


@transaction.atomic
def schedule_update(*, schedule: Schedule, layers: list[dict] | None = None, effective_from: datetime | None = None,
                    **fields) -> Schedule:
    """Update a schedule; ``layers`` (when given) is the full list: ids update, no id creates, missing deletes.

    Rotation changes of existing layers become new versions from ``effective_from`` (per layer or
    for all, default now). The schedule row is locked so two editors do not interleave versions.
    """
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    for name in ("name", "time_zone", "description"):
        if name in fields:
            setattr(schedule, name, fields[name])
    schedule.full_clean()
    schedule.save()
    if layers is not None:
        _layers_sync(schedule=schedule, layers=list(layers), effective_from=effective_from)
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule) -> None:
    """Refused while an escalation policy pages this schedule (it would silently page nobody)."""
    policies = selectors.policies_using_schedule(schedule)
    if policies:
        raise ApplicationError(
            f"Cannot delete schedule '{schedule.name}': it is used by the escalation policy {_policy_names(policies)}. "
            "Remove it from the policy first.",
            {"schedule": [f"Used by escalation policy {_policy_names(policies)}."]},
        )
    schedule.delete()


def _check_override(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ApplicationError("An override ends after it starts.", {"end": ["Must be after start."]})


@transaction.atomic
def override_create(*, schedule: Schedule, user: User, start: datetime, end: datetime,
                    replaces_user: User | None = None, note: str = "", created_by: User | None = None) -> Override:
    """``user`` covers [start, end) on ``schedule``; the newest override wins where they overlap."""
    _check_override(start, end)
    return Override.objects.create(organization_id=schedule.organization_id, schedule=schedule, user=user,
                                   start=start, end=end, replaces_user=replaces_user, note=note, created_by=created_by)


@transaction.atomic
def override_update(*, override: Override, **fields) -> Override:
    for name in ("user", "start", "end", "replaces_user", "note"):
        if name in fields:
            setattr(override, name, fields[name])
    _check_override(override.start, override.end)
    override.save()
    return override


def override_delete(*, override: Override) -> None:
    override.delete()


# --- escalation policies and responder groups ------------------------------------------------

def _steps_replace(*, policy: EscalationPolicy, steps: list[dict]) -> None:
    EscalationStep.objects.filter(policy=policy).delete()
    for position, data in enumerate(steps, start=1):
        step = EscalationStep.objects.create(organization_id=policy.organization_id, policy=policy, position=position,
                                             delay_minutes=data.get("delay_minutes", 15))
        step.users.set(data.get("users") or [])
        step.schedules.set(data.get("schedules") or [])
        step.groups.set(data.get("groups") or [])


def _take_default(policy: EscalationPolicy) -> None:
    """Make ``policy`` the org's default: the previous default (locked) stops being it."""
    EscalationPolicy.objects.select_for_update().filter(organization_id=policy.organization_id, is_default=True
                                                        ).exclude(pk=policy.pk).update(is_default=False)


@transaction.atomic
def escalation_policy_create(*, organization: Organization, name: str, steps: list[dict], repeat_count: int = 0,
                             description: str = "", repeat_from_position: int = 1,
                             is_default: bool = False) -> EscalationPolicy:
    """A policy with its ordered steps. ``is_default``: it pages incidents without a service or
    whose service has no policy (it takes over from the previous default)."""
    policy = EscalationPolicy(organization=organization, name=name, repeat_count=repeat_count,
                              description=description, repeat_from_position=repeat_from_position,
                              is_default=is_default)
    policy.full_clean(validate_constraints=False)
    if is_default:
        _take_default(policy)
    policy.save()
    _steps_replace(policy=policy, steps=steps)
    _check_repeat_from(policy)
    return policy


def _check_repeat_from(policy: EscalationPolicy) -> None:
    """The repeat step must exist (raised inside the caller's transaction, so nothing is half-written)."""
    step_count = EscalationStep.objects.filter(policy=policy).count()
    if step_count and policy.repeat_from_position > step_count:
        raise ApplicationError("The repeat step does not exist.",
                               {"repeat_from_position": [f"This policy has {step_count} step(s)."]})


@transaction.atomic
def escalation_policy_update(*, policy: EscalationPolicy, steps: list[dict] | None = None,
                             **fields) -> EscalationPolicy:
    """Update fields; ``steps`` (when given) replaces the ordered steps. Running pages keep their snapshot."""
    policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    for name in ("name", "repeat_count", "description", "repeat_from_position", "is_default"):
        if name in fields:
            setattr(policy, name, fields[name])
    policy.full_clean(validate_constraints=False)
    if policy.is_default:
        _take_default(policy)
    policy.save()
    if steps is not None:
        _steps_replace(policy=policy, steps=steps)
    _check_repeat_from(policy)
    return policy


def escalation_policy_delete(*, policy: EscalationPolicy) -> None:
    policy.delete()


@transaction.atomic
def responder_group_create(*, organization: Organization, name: str, members: list[User],
                           description: str = "") -> ResponderGroup:
    if ResponderGroup.objects.filter(organization=organization, name=name).exists():
        raise ApplicationError("A group with this name exists.", {"name": ["A group with this name exists."]})
    group = ResponderGroup.objects.create(organization=organization, name=name, description=description)
    group.members.set(members)
    return group


@transaction.atomic
def responder_group_update(*, group: ResponderGroup, members: list[User] | None = None, **fields) -> ResponderGroup:
    name = fields.get("name", group.name)
    if ResponderGroup.objects.filter(organization_id=group.organization_id, name=name).exclude(pk=group.pk).exists():
        raise ApplicationError("A group with this name exists.", {"name": ["A group with this name exists."]})
    group.name = name
    group.description = fields.get("description", group.description)
    group.save()
    if members is not None:
        group.members.set(members)
    return group


@transaction.atomic
def responder_group_delete(*, group: ResponderGroup) -> None:
    policies = list(EscalationPolicy.objects.filter(steps__groups=group).distinct())
    if policies:
        raise ApplicationError(
            f"Cannot delete group '{group.name}': it is used by the escalation policy {_policy_names(policies)}.",
            {"group": [f"Used by escalation policy {_policy_names(policies)}."]},
        )
    group.delete()


# --- iCal feeds and preferences -------------------------------------------------------------

def _new_feed_secret() -> str:
    return ICAL_TOKEN_PREFIX + secrets.token_urlsafe(30)[:40]


@transaction.atomic
def ical_feed_rotate(*, organization: Organization, created_by: User, schedule: Schedule | None = None,
                     user: User | None = None) -> tuple[ICalFeed, str]:
    """Create a feed, revoking the caller's previous one: a schedule's shifts (``schedule``) or ``user``'s own
    shifts on every schedule of the org. Returns the row and the secret, which is shown once and never stored."""
    ical_feed_revoke(organization=organization, schedule=schedule, user=created_by if schedule else user)
    secret = _new_feed_secret()
    feed = ICalFeed.objects.create(organization=organization, schedule=schedule, user=None if schedule else user,
                                   prefix=secret[:10], token_hash=hash_secret(secret), created_by=created_by)
    return feed, secret


def ical_feed_revoke(*, organization: Organization, user: User, schedule: Schedule | None = None) -> int:
    """Revoke ``user``'s feed of ``schedule`` (or their personal feed when no schedule)."""
    feeds = ICalFeed.objects.filter(organization=organization, revoked_at__isnull=True)
    if schedule is not None:
        feeds = feeds.filter(schedule=schedule, created_by=user)
    else:
        feeds = feeds.filter(schedule__isnull=True, user=user)
    return feeds.update(revoked_at=timezone.now())


@transaction.atomic
def oncall_preference_update(*, organization: Organization, user: User, handoff_lead_time: timedelta | None = None,
                             handoff_notices: bool | None = None) -> OncallPreference:
    preference, _created = OncallPreference.objects.select_for_update().get_or_create(organization=organization,
                                                                                       user=user)
    if handoff_lead_time is not None:
        if not HANDOFF_LEAD_MIN <= handoff_lead_time <= HANDOFF_LEAD_MAX:
            raise ApplicationError("The lead time is between 15 minutes and 7 days.",
                                   {"handoff_lead_time": ["Between 15 minutes and 7 days."]})
        preference.handoff_lead_time = handoff_lead_time
    if handoff_notices is not None:
        preference.handoff_notices = handoff_notices
    preference.save()
    return preference
