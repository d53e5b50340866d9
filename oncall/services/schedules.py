"""Schedules with their layers, and overrides.

Changing a running layer never edits history: it adds a ``LayerVersion`` effective from a
given instant (default now) whose participant offset keeps whoever is on call then. The
layers of a write are completed first (``layer_inputs.layers_complete``), so every caller
gets the same merge rules.
"""

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from oncall import scheduling, selectors
from oncall.models import Layer, LayerVersion, Override, Schedule
from oncall.services.escalation import policy_names
from oncall.services.layer_inputs import layers_complete, version_order
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User
from tenancy.writes import model_update

logger = logging.getLogger(__name__)

ROTATION_FIELDS = ("participants", "rotation_type", "shift_length", "rotation_start", "end", "restrictions")
SCHEDULE_FIELDS = ("name", "time_zone", "description")
OVERRIDE_FIELDS = ("user", "start", "end", "replaces_user", "note")


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
    return max(layer.versions.all(), key=version_order)


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


def _refuse_layer_removal(schedule: Schedule, layer: Layer) -> None:
    """A schedule an escalation policy pages keeps its layers (deleting one could leave it paging nobody)."""
    policies = selectors.policies_using_schedule(schedule)
    if policies:
        raise ApplicationError(
            f"Cannot delete layer '{layer}': the escalation policy {policy_names(policies)} uses this "
            "schedule. Remove the schedule from the policy first.",
            {"layers": [f"Layer '{layer}' is in use by escalation policy {policy_names(policies)}."]},
        )


def _layers_sync(*, schedule: Schedule, layers: list[dict], effective_from: datetime | None) -> None:
    _check_priorities(layers)
    existing = {layer.pk: layer for layer in schedule.layers.all()}
    kept = {data["id"] for data in layers if data.get("id")}
    removed = [layer for pk, layer in existing.items() if pk not in kept]
    if removed:
        _refuse_layer_removal(schedule, removed[0])
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
    layers = layers_complete(layers=list(layers or []), time_zone=time_zone)
    _check_priorities(layers)
    for data in layers:
        _layer_create(schedule=schedule, data=data)
    logger.info("schedule created", extra={"organization_id": organization.pk, "schedule_id": schedule.pk})
    return schedule


@transaction.atomic
def schedule_update(*, schedule: Schedule, layers: list[dict] | None = None, effective_from: datetime | None = None,
                    **fields) -> Schedule:
    """Update a schedule; ``layers`` (when given) is the full list: ids update, no id creates, missing deletes.

    Omitted fields of a layer with ``id`` keep their stored value. Rotation changes of existing
    layers become new versions from ``effective_from`` (per layer or for all, default now). The
    schedule row is locked so two editors do not interleave versions.
    """
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    model_update(instance=schedule, fields=SCHEDULE_FIELDS, data=fields)
    if layers is not None:
        layers = layers_complete(layers=list(layers), time_zone=schedule.time_zone, schedule=schedule)
        _layers_sync(schedule=schedule, layers=layers, effective_from=effective_from)
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule) -> None:
    """Refused while an escalation policy pages this schedule (it would silently page nobody)."""
    policies = selectors.policies_using_schedule(schedule)
    if policies:
        raise ApplicationError(
            f"Cannot delete schedule '{schedule.name}': it is used by the escalation policy {policy_names(policies)}. "
            "Remove it from the policy first.",
            {"schedule": [f"Used by escalation policy {policy_names(policies)}."]},
        )
    schedule.delete()


@transaction.atomic
def layer_update(*, layer: Layer, name: str | None = None, priority: int | None = None) -> Layer:
    """Rename or re-rank a layer in place (that rewrites no shift); its rotation changes through
    ``schedule_update``. Two layers of a schedule never share a priority."""
    schedule = Schedule.objects.select_for_update().get(pk=layer.schedule_id)
    if priority is not None and schedule.layers.filter(priority=priority).exclude(pk=layer.pk).exists():
        raise ApplicationError("Two layers have the same priority.",
                               {"priority": [f"Another layer of this schedule has priority {priority}."]})
    data = {key: value for key, value in {"name": name, "priority": priority}.items() if value is not None}
    model_update(instance=layer, fields=("name", "priority"), data=data)
    return layer


@transaction.atomic
def layer_delete(*, layer: Layer) -> None:
    """Refused while an escalation policy pages the layer's schedule, as ``schedule_update`` refuses."""
    schedule = Schedule.objects.select_for_update().get(pk=layer.schedule_id)
    _refuse_layer_removal(schedule, layer)
    layer.delete()


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
    _check_override(fields.get("start", override.start), fields.get("end", override.end))
    model_update(instance=override, fields=OVERRIDE_FIELDS, data=fields, validate=False)
    return override


@transaction.atomic
def override_delete(*, override: Override) -> None:
    override.delete()
