"""When someone leaves an organization they leave its on-call too (a tenancy hook).

Rotations change from now on (history stays: a new layer version, as any edit); a layer left
with nobody ends now; scheduled future versions lose the person; their overrides from now on
are cut; escalation steps and responder groups stop naming them. Nobody is paged for an org
they no longer belong to, and the schedules say so rather than pointing at a stranger."""

import logging
from datetime import UTC, datetime

from django.utils import timezone

from oncall import scheduling, selectors
from oncall.models import EscalationStep, Layer, LayerVersion, Override, ResponderGroup
from oncall.services.layer_inputs import version_order
from oncall.services.schedules import ROTATION_FIELDS
from tenancy.models import Organization, User

logger = logging.getLogger(__name__)


def _drop(participants: list, user_id: int) -> list:
    return [participant for participant in participants if participant != user_id]


def _leave_future_versions(versions: list[LayerVersion], user_id: int, now: datetime) -> None:
    for version in versions:
        if version.effective_from and version.effective_from > now and user_id in version.participants:
            remaining = _drop(version.participants, user_id)
            if remaining:
                version.participants = remaining
                version.save(update_fields=["participants"])
            else:
                version.delete()


def _leave_layer(layer: Layer, user_id: int, now: datetime) -> bool:
    """A version from ``now`` without the person (the successor takes over at once, cadence kept);
    with nobody left, the layer ends now."""
    versions = list(layer.versions.all())
    _leave_future_versions(versions, user_id, now)
    current = max((v for v in versions if v.effective_from is None or v.effective_from <= now),
                  key=version_order, default=None)
    if current is None or user_id not in current.participants:
        return False
    tz = scheduling.ZoneInfo(layer.schedule.time_zone)
    rotation = {name: getattr(current, name) for name in ROTATION_FIELDS}
    rotation["participants"] = _drop(current.participants, user_id)
    if not rotation["participants"]:
        rotation["participants"] = current.participants
        rotation["end"] = scheduling.to_local(now, tz).replace(tzinfo=UTC)  # floating, as oncall.models stores it
    version = LayerVersion(layer=layer, effective_from=now, **rotation)
    version.participant_offset = scheduling.successor_offset(
        selectors.version_spec(current), selectors.version_spec(version), tz, now.astimezone(UTC))
    version.save()
    return True


def member_leave_oncall(organization: Organization, user: User, now: datetime | None = None) -> None:
    """Run inside the membership removal's transaction (``tenancy.services.MEMBERSHIP_REMOVED_HOOKS``)."""
    now = now or timezone.now()
    # An org has few layers: each is checked in Python (JSON ``contains`` does not exist on SQLite).
    layers = Layer.objects.filter(organization=organization).select_related("schedule").prefetch_related("versions")
    changed = sum(_leave_layer(layer, user.pk, now) for layer in layers)
    overrides = Override.objects.filter(organization=organization, user=user, end__gt=now)
    overrides.filter(start__gte=now).delete()
    overrides.filter(start__lt=now).update(end=now)
    for step in EscalationStep.objects.filter(organization=organization, users=user):
        step.users.remove(user)
    for group in ResponderGroup.objects.filter(organization=organization, members=user):
        group.members.remove(user)
    logger.info("member left on-call", extra={"organization_id": organization.pk, "user_id": user.pk,
                                              "layers": changed})
