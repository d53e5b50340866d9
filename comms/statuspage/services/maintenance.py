"""Scheduled maintenance: create, change, move through scheduled → in progress → (verifying) → completed,
by hand or by the beat ticker at its times. Every step is a public ``MaintenanceUpdate``; scheduling,
starting and completing are emailed to subscribers of its components (``mailing``, bulk queue).

With ``suppress_alerts`` the maintenance holds one ingestion maintenance window per service of its
components over the same span (alerts stored, no incident, no page), kept in step with its times and
ended when it completes early."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from comms.statuspage.enums import ACTIVE_MAINTENANCE, MAINTENANCE_MOVES, MaintenanceStatus
from comms.statuspage.models import Maintenance, MaintenanceUpdate, StatusComponent
from comms.statuspage.services import mailing
from comms.statuspage.services.page import public_cache_clear
from incidents.ingestion import services as ingestion_services
from incidents.models import Service
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import Organization, User

logger = logging.getLogger(__name__)
MS = MaintenanceStatus
FIELDS = {"title", "body", "components", "scheduled_for", "scheduled_until", "suppress_alerts"}
ANNOUNCED = {MS.SCHEDULED, MS.IN_PROGRESS, MS.COMPLETED}
DEFAULT_BODIES = {
    MS.SCHEDULED: "Scheduled maintenance: {title}, from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC.",
    MS.IN_PROGRESS: "The scheduled maintenance is in progress. We will provide updates as necessary.",
    MS.VERIFYING: "Verification is currently underway for the maintenance items.",
    MS.COMPLETED: "The scheduled maintenance has been completed.",
}


def _validate(organization: Organization, values: dict) -> None:
    errors: dict[str, list[str]] = {}
    components = values.get("components")
    if components is not None and any(c.organization_id != organization.pk for c in components):
        errors["components"] = ["Only components of this organization."]
    start, end = values.get("scheduled_for"), values.get("scheduled_until")
    if start is not None and end is not None and end <= start:
        errors["scheduled_until"] = ["Must be after scheduled_for."]
    if not str(values.get("title", "x")).strip():
        errors["title"] = ["Required."]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)


def _services_of(maintenance: Maintenance) -> list[Service]:
    components = list(maintenance.components.all())
    children = StatusComponent.objects.filter(group__in=components)
    found = {s.pk: s for c in [*components, *children] for s in c.services.all()}
    return list(found.values())


def _windows_close(maintenance: Maintenance, now: datetime) -> None:
    """End the windows now (or drop those not begun): the work is over, alerts count again."""
    for window in maintenance.windows.all():
        if window.starts_at >= now:
            ingestion_services.maintenance_window_delete(window=window)
        elif window.ends_at > now:
            ingestion_services.maintenance_window_update(window=window, ends_at=now)


def _windows_sync(maintenance: Maintenance) -> None:
    """One window per service of its components over its span (none unless ``suppress_alerts``)."""
    for window in maintenance.windows.all():
        ingestion_services.maintenance_window_delete(window=window)
    if not maintenance.suppress_alerts or maintenance.status == MS.COMPLETED:
        return
    windows = [
        ingestion_services.maintenance_window_create(
            organization=maintenance.organization, service=service, starts_at=maintenance.scheduled_for,
            ends_at=maintenance.scheduled_until, reason=f"Status page maintenance: {maintenance.title}"[:500],
            created_by=maintenance.created_by)
        for service in _services_of(maintenance)
    ]
    maintenance.windows.set(windows)


def _step(maintenance: Maintenance, status: str, body: str, now: datetime) -> MaintenanceUpdate:
    text = body.strip() or DEFAULT_BODIES[status].format(title=maintenance.title, start=maintenance.scheduled_for,
                                                         end=maintenance.scheduled_until)
    update = MaintenanceUpdate.objects.create(organization=maintenance.organization, maintenance=maintenance,
                                              status=status, body=text, created_at=now)
    if status in ANNOUNCED:
        mailing.maintenance_update_notify(update=update)
    organization = maintenance.organization
    transaction.on_commit(lambda: public_cache_clear(organization))
    return update


@transaction.atomic
def maintenance_create(*, organization: Organization, title: str, scheduled_for: datetime,
                       scheduled_until: datetime, body: str = "", components: list[StatusComponent] | None = None,
                       suppress_alerts: bool = False, created_by: User | None = None) -> Maintenance:
    """Schedule maintenance and announce it to the subscribers of its components."""
    components = list(components or [])
    _validate(organization, {"title": title, "components": components, "scheduled_for": scheduled_for,
                             "scheduled_until": scheduled_until})
    maintenance = Maintenance.objects.create(organization=organization, title=title, body=body,
                                             scheduled_for=scheduled_for, scheduled_until=scheduled_until,
                                             suppress_alerts=suppress_alerts, created_by=created_by)
    maintenance.components.set(components)
    _windows_sync(maintenance)
    _step(maintenance, MS.SCHEDULED, body, timezone.now())
    logger.info("maintenance scheduled", extra={"maintenance_id": maintenance.pk, "organization_id": organization.pk})
    return maintenance


@transaction.atomic
def maintenance_update(*, maintenance: Maintenance, **changes) -> Maintenance:
    """Change what is planned (not once completed); its alert windows follow."""
    unknown = set(changes) - FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", {name: ["Unknown field."] for name in sorted(unknown)})
    maintenance = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    if maintenance.status == MS.COMPLETED:
        raise ConflictError("A completed maintenance cannot change.", {"status": ["Completed."]})
    values = {"scheduled_for": maintenance.scheduled_for, "scheduled_until": maintenance.scheduled_until, **changes}
    _validate(maintenance.organization, values)
    components = changes.pop("components", None)
    for name, value in changes.items():
        setattr(maintenance, name, value)
    maintenance.save()
    if components is not None:
        maintenance.components.set(components)
    _windows_sync(maintenance)
    organization = maintenance.organization
    transaction.on_commit(lambda: public_cache_clear(organization))
    return maintenance


def _move(maintenance: Maintenance, status: str, body: str, now: datetime) -> Maintenance:
    if status not in MAINTENANCE_MOVES.get(maintenance.status, set()):
        raise ConflictError(f"A maintenance {maintenance.status} cannot become {status}.",
                            {"status": [f"From {maintenance.status}: "
                                        f"{', '.join(sorted(MAINTENANCE_MOVES[maintenance.status])) or 'none'}."]})
    maintenance.status = status
    if status in ACTIVE_MAINTENANCE and maintenance.started_at is None:
        maintenance.started_at = now
    if status == MS.COMPLETED:
        maintenance.completed_at = now
        _windows_close(maintenance, now)
    maintenance.save()
    _step(maintenance, status, body, now)
    return maintenance


@transaction.atomic
def maintenance_transition(*, maintenance: Maintenance, status: str, body: str = "") -> Maintenance:
    """Move a maintenance by hand (start early, verifying, complete early) with an optional public message."""
    if status not in MS.values:
        raise ApplicationError("Unknown status.", {"status": [f"One of: {', '.join(MS.values)}."]})
    maintenance = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    return _move(maintenance, status, body, timezone.now())


@transaction.atomic
def maintenance_delete(*, maintenance: Maintenance) -> None:
    """Cancel: its alert windows go with it (no email: nothing happened)."""
    for window in maintenance.windows.all():
        ingestion_services.maintenance_window_delete(window=window)
    organization = maintenance.organization
    maintenance.delete()
    transaction.on_commit(lambda: public_cache_clear(organization))


def _tick_one(maintenance_id: int, now: datetime) -> bool:
    with transaction.atomic():
        maintenance = Maintenance.objects.select_for_update(skip_locked=True).filter(pk=maintenance_id).first()
        if maintenance is None:
            return False
        if maintenance.status == MS.SCHEDULED and maintenance.scheduled_for <= now:
            _move(maintenance, MS.IN_PROGRESS, "", now)
        if maintenance.status in ACTIVE_MAINTENANCE and maintenance.scheduled_until <= now:
            _move(maintenance, MS.COMPLETED, "", now)
            return True
        return maintenance.status == MS.IN_PROGRESS


def maintenances_tick(*, now: datetime | None = None) -> int:
    """Beat: start maintenances whose time has come and complete those whose time is over (each in its
    own transaction, the row locked and re-checked). Returns how many moved."""
    now = now or timezone.now()
    due = list(Maintenance.objects.filter(status=MS.SCHEDULED, scheduled_for__lte=now).values_list("pk", flat=True)
               [:200])
    due += list(Maintenance.objects.filter(status__in=ACTIVE_MAINTENANCE, scheduled_until__lte=now)
                .values_list("pk", flat=True)[:200])
    return sum(1 for maintenance_id in dict.fromkeys(due) if _tick_one(maintenance_id, now))
