"""Cadence reminders: when a status update is due the commander hears it on their page channels, and again
when it is overdue (after the grace period), with ``update_overdue`` on the timeline.

The database is the schedule: one ``UpdateReminder`` row per due time, claimed by the beat ticker with
``select_for_update(skip_locked=True)``; its ``stage`` moves pending → due_sent → overdue_sent, and each
reminder is a ``Notification`` whose key names the row and the stage, so a due time gets each reminder
once whatever the tick rate, a duplicate tick or a worker restart. No reminders for a severity without a
cadence (P3), a resolved incident, or a drill unless ``include_drill``."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from comms import conf, nudge, selectors
from comms.enums import Channel, Purpose, ReminderStage
from comms.models import Notification, StatusUpdate, UpdateReminder
from comms.services import drafting
from comms.services.timeline import note, person
from incidents import services as incident_services
from incidents.enums import TimelineKind
from incidents.models import Incident

logger = logging.getLogger(__name__)
R = ReminderStage
OPEN_STAGES = (R.PENDING, R.DUE_SENT)
BATCH = 100


def grace(incident: Incident) -> timedelta:
    """How long after the due time an update counts as overdue: the setting, at most a third of the cadence."""
    seconds = conf.update_grace_seconds()
    interval = drafting.cadence(incident)
    if interval is not None:
        seconds = min(seconds, interval.total_seconds() / 3)
    return timedelta(seconds=seconds)


def reminder_schedule(*, incident: Incident, due_at: datetime | None,
                      status_update: StatusUpdate | None = None) -> UpdateReminder | None:
    """Make ``due_at`` the incident's next due time (None: no cadence now): open reminders of other due
    times are superseded. Runs inside the caller's transaction (the incident row is locked there)."""
    latest = UpdateReminder.objects.filter(incident=incident).order_by("-created_at", "-id").first()
    include_drill = bool(latest and latest.include_drill)
    UpdateReminder.objects.filter(incident=incident, stage__in=OPEN_STAGES).exclude(due_at=due_at).update(
        stage=R.SUPERSEDED, updated_at=timezone.now())
    if due_at is None:
        return None
    row, created = UpdateReminder.objects.get_or_create(incident=incident, due_at=due_at, defaults={
        "organization_id": incident.organization_id, "check_at": due_at, "include_drill": include_drill,
        "status_update": status_update})
    if not created and row.stage == R.SUPERSEDED:
        row.stage, row.check_at = R.PENDING, due_at
        row.save(update_fields=["stage", "check_at", "updated_at"])
    return row


@transaction.atomic
def cadence_first_due(*, incident: Incident) -> UpdateReminder | None:
    """After an acknowledgement: the first update is due one cadence later, unless one was posted already."""
    incident = incident_services.incident_lock(incident)
    interval = drafting.cadence(incident)
    if (interval is None or not incident.is_open or incident.next_update_at is not None
            or StatusUpdate.objects.filter(incident=incident).exists()
            or UpdateReminder.objects.filter(incident=incident).exists()):
        return None
    due_at = (incident.acknowledged_at or timezone.now()) + interval
    incident_services.incident_next_update_set(incident=incident, next_update_at=due_at)
    return reminder_schedule(incident=incident, due_at=due_at)


@transaction.atomic
def cadence_drill_reminders_set(*, incident: Incident, enabled: bool) -> int:
    """A drill that asks for reminders gets them (its open and future due times). Returns rows changed."""
    rows = UpdateReminder.objects.filter(incident=incident)
    latest = rows.order_by("-created_at", "-id").first()
    changed = rows.filter(stage__in=OPEN_STAGES).update(include_drill=enabled, updated_at=timezone.now())
    if latest is not None and latest.include_drill != enabled:
        latest.include_drill = enabled
        latest.save(update_fields=["include_drill", "updated_at"])
    return changed


def _skip_reason(incident: Incident, row: UpdateReminder) -> str:
    if not incident.is_open:
        return f"incident {incident.status}"
    if drafting.cadence(incident) is None:
        return f"{incident.severity.name} has no update cadence"
    if incident.is_drill and not row.include_drill:
        return "drill"
    return ""


def _text(incident: Incident, row: UpdateReminder, stage: str) -> tuple[str, str]:
    head = f"[{incident.severity.name}] #{incident.number} {incident.title}"
    due = f"{drafting.hhmm(row.due_at)} UTC"
    interval = drafting.duration_text(drafting.cadence(incident).total_seconds())
    if stage == "overdue":
        return (f"OVERDUE status update: {head}",
                f"{head}: the status update due at {due} is overdue (updates every {interval}). Post one now.")
    return f"Status update due: {head}", f"{head}: a status update is due at {due} (every {interval})."


def _remind(row: UpdateReminder, incident: Incident, stage: str, now: datetime) -> int:
    """Write the commander's reminder on each of their page channels for the severity (email to the
    account when none reaches them); sent after commit. Returns how many rows were new."""
    commander = incident.commander
    if commander is None:
        return 0
    subject, body = _text(incident, row, stage)
    targets = []
    for channel in selectors.severity_person_channels(organization=incident.organization, severity=incident.severity):
        method, address = selectors.contact_for(organization=incident.organization, user=commander, channel=channel)
        if address:
            targets.append((channel, method, method.value_hint if method else address))
    if not targets:
        targets = [(Channel.EMAIL, None, commander.email)]
    new = 0
    for channel, method, address in targets:
        notification, created = Notification.objects.get_or_create(
            idempotency_key=f"reminder:{row.pk}:{stage}:u{commander.pk}:{channel}", defaults={
                "organization_id": incident.organization_id, "incident": incident, "recipient": commander,
                "contact_method": method, "address": address, "channel": channel, "purpose": Purpose.REMINDER,
                "subject": subject, "body": body, "due_at": now, "nudged_at": now})
        if created:
            new += 1
            nudge.notification_on_commit(notification.pk)
    return new


def _advance(row: UpdateReminder, now: datetime) -> None:
    incident = Incident.objects.select_related("severity", "commander", "organization").get(pk=row.incident_id)
    why = _skip_reason(incident, row)
    if why:
        row.stage = R.SKIPPED
        row.save(update_fields=["stage", "updated_at"])
        return
    overdue_at = row.due_at + grace(incident)
    if row.stage == R.PENDING and now < overdue_at:
        _remind(row, incident, "due", now)
        row.stage, row.check_at = R.DUE_SENT, overdue_at
        row.save(update_fields=["stage", "check_at", "updated_at"])
        return
    # Overdue (also when the ticker was down through the due time: one reminder, not two at once).
    _remind(row, incident, "overdue", now)
    note(incident, TimelineKind.UPDATE_OVERDUE, f"Status update due at {drafting.hhmm(row.due_at)} UTC is overdue.",
         due_at=row.due_at.isoformat(), reminder_id=row.pk, commander=person(incident.commander))
    row.stage = R.OVERDUE_SENT
    row.save(update_fields=["stage", "updated_at"])


def cadence_tick(*, now: datetime | None = None) -> int:
    """Beat: move every due reminder row forward (claimed with ``skip_locked``, each in a savepoint so one
    bad row does not hold the others). Returns how many rows were handled."""
    now = now or timezone.now()
    handled = 0
    with transaction.atomic():
        rows = list(UpdateReminder.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(stage__in=OPEN_STAGES, check_at__lte=now).order_by("check_at")[:BATCH])
        for row in rows:
            try:
                with transaction.atomic():
                    _advance(row, now)
                    handled += 1
            except Exception:
                logger.exception("cadence reminder failed", extra={"reminder_id": row.pk})
    return handled
