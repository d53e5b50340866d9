"""The rules that turn a schedule write's ``layers`` into complete rotations (before any row is
written): a layer with ``id`` keeps the stored value of every field it omits, a new layer gets
the defaults, wall-clock times with an offset are read in the schedule's zone. Shared by the
API, the admin and any other caller of ``schedule_create``/``schedule_update``."""

import zoneinfo
from datetime import datetime

from oncall.enums import RotationType
from oncall.models import Layer, Schedule
from tenancy.errors import ApplicationError

NEW_LAYER_DEFAULTS = {"rotation_type": RotationType.WEEKLY, "shift_length": 1, "end": None, "restrictions": []}


def version_order(version) -> tuple:
    """Versions sort oldest first: the initial one (no effective_from), then by effective_from."""
    return version.effective_from is not None, version.effective_from or version.created_at, version.pk


def stored_rotation(layer: Layer) -> dict:
    """The layer's name, priority and latest rotation, in the shape a write gives them."""
    latest = max(layer.versions.all(), key=version_order, default=None)
    if latest is None:
        return {"name": layer.name, "priority": layer.priority}
    return {
        "name": layer.name, "priority": layer.priority, "participants": list(latest.participants),
        "rotation_type": latest.rotation_type, "shift_length": latest.shift_length,
        "rotation_start": latest.rotation_start.replace(tzinfo=None),
        "end": latest.end.replace(tzinfo=None) if latest.end else None, "restrictions": list(latest.restrictions),
    }


def _as_wall_clock(value: datetime | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(zone).replace(tzinfo=None)
    return value


def _complete_one(layer: dict, existing: dict[int, Layer]) -> dict | None:
    """Fill omitted fields in place (from the stored layer, or defaults for a new one); the errors, if any."""
    if layer.get("id") is not None:
        if layer["id"] not in existing:
            return {"id": [f"Layer {layer['id']} is not in this schedule."]}
        for name, value in stored_rotation(existing[layer["id"]]).items():
            layer.setdefault(name, value)
    else:
        missing = [name for name in ("participants", "rotation_start") if name not in layer]
        if missing:
            return {name: ["This field is required."] for name in missing}
        for name, value in NEW_LAYER_DEFAULTS.items():
            layer.setdefault(name, value)
    if "participants" not in layer or "rotation_start" not in layer:
        return {"participants": ["This layer has no rotation: give participants and rotation_start."]}
    end = layer.get("end")
    if end is not None and end <= layer["rotation_start"]:
        return {"end": ["Must be after rotation_start."]}
    return None


def layers_complete(*, layers: list[dict], time_zone: str, schedule: Schedule | None = None) -> list[dict]:
    """Complete rotations for ``layers`` (copies), or an ``ApplicationError`` keyed by layer index."""
    zone = zoneinfo.ZoneInfo(time_zone)
    existing = {layer.pk: layer for layer in schedule.layers.prefetch_related("versions")} if schedule else {}
    completed, errors = [], {}
    for index, given in enumerate(layers):
        layer = dict(given)
        for name in ("rotation_start", "end"):
            if name in layer:
                layer[name] = _as_wall_clock(layer[name], zone)
        problem = _complete_one(layer, existing)
        if problem:
            errors[str(index)] = problem
        completed.append(layer)
    if errors:
        first = next(iter(errors.values()))
        field, messages = next(iter(first.items()))
        raise ApplicationError(f"layers: {field}: {messages[0]}", {"layers": errors})
    return completed
