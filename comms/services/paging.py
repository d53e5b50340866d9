"""Escalation runs: start on trigger, advance when due, stop on acknowledge/resolve, re-page on a
severity raise, escalate on demand.

Locking: every change to a run happens with its row locked (``select_for_update``); the ticker
claims due runs with ``skip_locked`` so two tickers never advance the same run. Each advance
says which (step, loop) it expects to leave, so a stale or duplicate nudge changes nothing.
Notifications are rows written in the same transaction, sent after commit (``comms.nudge``)."""

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from comms import conf, nudge, selectors
from comms.enums import Channel, NotificationState, Purpose, RunState
from comms.models import EscalationRun, Notification
from comms.services.timeline import note, person
from incidents.enums import IncidentStatus, TimelineKind
from incidents.models import Incident
from oncall import selectors as oncall_selectors
from tenancy.errors import ConflictError

logger = logging.getLogger(__name__)
TK = TimelineKind
RUN_BATCH = 50
LIVE = (RunState.ACTIVE, RunState.EXHAUSTED)


def delay(minutes: float) -> timedelta:
    return timedelta(seconds=float(minutes) * conf.seconds_per_delay_minute())


def idempotency_key(run_id: int, step, loop, recipient: str, channel: str) -> str:
    return f"{run_id}:{step}:{loop}:{recipient}:{channel}"


def _notification(run: EscalationRun, *, key: str, channel: str, due_at: datetime, purpose: str, **fields) -> bool:
    """Write the row (its key is unique: a second write of the same message is ignored). True if new."""
    # Rows due now are nudged after commit (``_nudge_due``): nudged_at keeps the ticker from doing it again.
    _row, created = Notification.objects.get_or_create(idempotency_key=key, defaults={
        "organization_id": run.organization_id, "incident_id": run.incident_id, "run": run, "channel": channel,
        "purpose": purpose, "due_at": due_at, "nudged_at": due_at if due_at <= timezone.now() else None, **fields})
    return created


def _nudge_due(run: EscalationRun, now: datetime) -> None:
    due = Notification.objects.filter(run=run, state=NotificationState.PENDING, due_at__lte=now)
    for notification_id in due.values_list("pk", flat=True):
        nudge.notification_on_commit(notification_id)


def page_person(run: EscalationRun, user, *, step: int, loop: int, severity, now: datetime) -> list[str]:
    """Write ``user``'s notifications for this step: the severity's channels at once, then their personal
    chain at its delays. Channels without a contact method are skipped; email to the account is the
    last resort. Returns the channels planned."""
    planned = []
    reachable = []
    for channel, minutes in selectors.person_chain(organization=run.organization, user=user, severity=severity):
        method, address = selectors.contact_for(organization=run.organization, user=user, channel=channel)
        if address:
            reachable.append((channel, minutes, method, address))
    # Someone is always paged at once: without a way to reach them on their first channels, the first
    # channel they can be reached on goes now instead of after its delay.
    head = reachable[0][1] if reachable else 0
    for channel, minutes, method, address in reachable:
        minutes = 0 if minutes == head else minutes
        mention = ""
        if channel == Channel.CHAT and not address.startswith(("http://", "https://")):
            mention = address
        _notification(run, key=idempotency_key(run.pk, step, loop, f"u{user.pk}", channel), channel=channel,
                      due_at=now + delay(minutes), purpose=Purpose.PAGE, recipient=user, contact_method=method,
                      address=mention or (method.value_hint if method else address), step=step, loop=loop)
        planned.append(channel)
    if not planned:
        _notification(run, key=idempotency_key(run.pk, step, loop, f"u{user.pk}", Channel.EMAIL),
                      channel=Channel.EMAIL, due_at=now, purpose=Purpose.PAGE, recipient=user, address=user.email,
                      step=step, loop=loop)
        planned.append(Channel.EMAIL)
    return planned


def announce(run: EscalationRun, incident: Incident, now: datetime) -> int:
    """Post the incident to the org chat destinations (and email lists) its severity routes to."""
    severity = incident.severity
    count = 0
    for destination in selectors.announce_destinations(organization=run.organization, severity=severity):
        key = idempotency_key(run.pk, "announce", severity.name, f"d{destination.pk}", Channel.CHAT)
        count += _notification(run, key=key, channel=Channel.CHAT, due_at=now, purpose=Purpose.ANNOUNCEMENT,
                               chat_destination=destination, address=destination.name)
    for address in selectors.severity_announce_emails(organization=run.organization, severity=severity):
        digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
        key = idempotency_key(run.pk, "announce", severity.name, f"m{digest}", Channel.EMAIL)
        count += _notification(run, key=key, channel=Channel.EMAIL, due_at=now, purpose=Purpose.ANNOUNCEMENT,
                               address=address)
    return count


def _step_targets(run: EscalationRun, index: int, now: datetime) -> list:
    return oncall_selectors.snapshot_step_targets(organization=run.organization, step_dict=run.steps[index], at=now)


def _next_position(run: EscalationRun) -> tuple[int, int] | None:
    """(step index, loop) after the current one, wrapping to the repeat step while repeats remain."""
    steps = run.steps
    if run.current_step + 1 < len(steps):
        return run.current_step + 1, run.loop
    repeat_count = int(run.policy_snapshot.get("repeat_count") or 0)
    if not steps or run.loop >= repeat_count:
        return None
    repeat_from = run.policy_snapshot.get("repeat_from_position")
    positions = [step.get("position") for step in steps]
    index = positions.index(repeat_from) if repeat_from in positions else 0
    return index, run.loop + 1


def _exhaust(run: EscalationRun, incident: Incident, now: datetime) -> None:
    run.state = RunState.EXHAUSTED
    run.next_step_due_at = None
    run.ended_at = now
    run.ended_reason = "Every step paged, nobody acknowledged."
    run.save()
    note(incident, TK.ESCALATION_EXHAUSTED, f"Escalation exhausted after {run.loop + 1} pass(es): nobody "
         "acknowledged.", steps=len(run.steps), loops=run.loop + 1)


def _page_step(run: EscalationRun, incident: Incident, now: datetime, actor=None, reason: str = "") -> bool:
    """Move to the next step that resolves to somebody and page it. False when the policy is exhausted."""
    for _guard in range(len(run.steps) * (int(run.policy_snapshot.get("repeat_count") or 0) + 1) + 1):
        position = _next_position(run)
        if position is None:
            _exhaust(run, incident, now)
            return False
        index, loop = position
        first = run.current_step == -1
        run.current_step, run.loop = index, loop
        step = run.steps[index]
        targets = _step_targets(run, index, now)
        run.next_step_due_at = now + delay(step.get("delay_minutes") or 0)
        run.save()
        if not first:
            note(incident, TK.ESCALATED, f"Escalated to step {index + 1}" + (f" (repeat {loop})" if loop else "")
                 + (f": {reason}" if reason else "") + ".", actor=actor, step=index + 1, loop=loop,
                 targets=[person(u) for u in targets], reason=reason)
        if not targets:
            note(incident, TK.SYSTEM, f"Step {index + 1} resolves to nobody right now; moving on.",
                 step=index + 1, loop=loop)
            continue
        for user in targets:
            channels = page_person(run, user, step=index, loop=loop, severity=incident.severity, now=now)
            note(incident, TK.PAGED, f"Paging {user} ({', '.join(channels)}) for step {index + 1}.",
                 person=person(user), channels=channels, step=index + 1, loop=loop)
        return True
    _exhaust(run, incident, now)
    return False


def _snapshot(incident: Incident) -> dict:
    """The steps that page ``incident``: its service's policy, else the org's default policy, else none."""
    policy = oncall_selectors.escalation_policy_for(organization_id=incident.organization_id, service=incident.service)
    return oncall_selectors.escalation_policy_snapshot(policy) if policy is not None else {}


def latest_trigger_event_id(incident: Incident) -> int | None:
    """The event that put the incident in ``triggered`` last (created, or re-triggered by a new alert)."""
    event = (incident.timeline.filter(Q(kind=TK.INCIDENT_CREATED) | Q(kind__in=(TK.STATUS_CHANGED, TK.REOPENED),
                                                                      payload__to=IncidentStatus.TRIGGERED))
             .order_by("-at", "-id").first())
    return event.pk if event else None


@transaction.atomic
def paging_start(*, incident: Incident, trigger_event_id: int | None = None,
                 now: datetime | None = None) -> EscalationRun | None:
    """Start paging a triggered incident: snapshot its policy, page step 1 at once, announce it, and
    schedule step 2. One run per trigger event (idempotent), and never two live runs for an incident
    (the incident row is locked while deciding). Drills page nobody unless they asked to (``drill_pages``)."""
    now = now or timezone.now()
    incident = (Incident.objects.select_for_update(of=("self",)).select_related("severity", "service", "organization")
                .get(pk=incident.pk))
    trigger_event_id = trigger_event_id or latest_trigger_event_id(incident)
    same = Q(state__in=LIVE) | Q(trigger_event_id=trigger_event_id) if trigger_event_id else Q(state__in=LIVE)
    existing = EscalationRun.objects.filter(same, incident=incident).first()
    if existing is not None:
        return existing
    if incident.status != IncidentStatus.TRIGGERED or (incident.is_drill and not incident.drill_pages):
        return None
    snapshot = _snapshot(incident)
    run = EscalationRun.objects.create(organization_id=incident.organization_id, incident=incident,
                                       trigger_event_id=trigger_event_id, policy_snapshot=snapshot,
                                       severity_name=incident.severity.name)
    run.organization = incident.organization
    announce(run, incident, now)
    if not run.steps:
        run.state, run.ended_at, run.ended_reason = RunState.EXHAUSTED, now, "No escalation policy: nobody paged."
        run.save()
        note(incident, TK.ESCALATION_EXHAUSTED, "No escalation policy: nobody is paged.", steps=0, loops=0)
    else:
        _page_step(run, incident, now)
    _nudge_due(run, now)
    logger.info("paging started", extra={"incident_id": incident.pk, "run_id": run.pk})
    return run


def _lock_run(run_id: int, *, skip_locked: bool = False) -> EscalationRun | None:
    query = EscalationRun.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related(
        "organization")
    return query.filter(pk=run_id).first()


def _advance_locked(run: EscalationRun, now: datetime, *, actor=None, reason: str = "") -> bool:
    incident = Incident.objects.select_related("severity", "service").get(pk=run.incident_id)
    if incident.status != IncidentStatus.TRIGGERED:
        _stop_locked(run, incident, RunState.ACKNOWLEDGED if incident.status in IncidentStatus.OPEN_STATUSES
                     else RunState.CANCELLED, f"Incident is {incident.status}.", now)
        return False
    paged = _page_step(run, incident, now, actor=actor, reason=reason)
    _nudge_due(run, now)
    return paged


@transaction.atomic
def escalation_advance(*, run_id: int, expected_step: int, expected_loop: int, now: datetime | None = None) -> bool:
    """Advance the run if it is active, due, and still at (expected_step, expected_loop); else a no-op.
    Safe to call from any number of duplicate or stale messages."""
    now = now or timezone.now()
    run = _lock_run(run_id)
    if run is None or run.state != RunState.ACTIVE or (run.current_step, run.loop) != (expected_step, expected_loop):
        return False
    if run.next_step_due_at is None or run.next_step_due_at > now:
        return False
    return _advance_locked(run, now)


@transaction.atomic
def escalation_escalate_now(*, incident: Incident, actor=None, now: datetime | None = None) -> EscalationRun:
    """Page the next step now (a responder asks for help before the delay runs out)."""
    now = now or timezone.now()
    run = selectors.run_for_incident(incident)
    if run is None:
        raise ConflictError("This incident has no escalation run.", {"incident": ["Nothing is paging."]})
    run = _lock_run(run.pk)
    if incident.status != IncidentStatus.TRIGGERED:
        raise ConflictError("Only a triggered incident escalates.", {"status": [incident.status]})
    if run.state != RunState.ACTIVE or _next_position(run) is None:
        raise ConflictError("The escalation policy has no further step.", {"escalation": [run.state]})
    _advance_locked(run, now, actor=actor, reason=f"escalated by {actor}" if actor else "escalated")
    return run


def _stop_locked(run: EscalationRun, incident: Incident, state: str, reason: str, now: datetime) -> int:
    if run.state in (RunState.ACTIVE, RunState.EXHAUSTED):
        run.state = state
        run.next_step_due_at = None
        run.ended_at = run.ended_at or now
        run.ended_reason = reason
        run.save()
    cancelled = Notification.objects.filter(
        incident_id=run.incident_id, purpose=Purpose.PAGE, state=NotificationState.PENDING
    ).update(state=NotificationState.CANCELLED, cancelled_at=now, last_error=reason[:200])
    if cancelled:
        note(incident, TK.SYSTEM, f"Paging stopped ({reason}): {cancelled} pending notification(s) cancelled.",
             cancelled=cancelled, run_state=run.state)
    return cancelled


@transaction.atomic
def paging_stop(*, incident: Incident, state: str = RunState.ACKNOWLEDGED, reason: str = "acknowledged",
                now: datetime | None = None) -> int:
    """Stop the run at once: no further policy step and no pending step of any personal chain fires.
    Returns how many pending notifications were cancelled. Idempotent."""
    now = now or timezone.now()
    run = selectors.run_for_incident(incident)
    if run is None:
        return 0
    run = _lock_run(run.pk)
    return _stop_locked(run, incident, state, reason, now)


@transaction.atomic
def paging_severity_raised(*, incident: Incident, now: datetime | None = None) -> int:
    """A raise to P0/P1 while still triggered re-pages the people of the current step with the stronger
    severity's channels (channels they already got are not sent again: same idempotency key) and
    announces to its destinations. Returns how many people were re-paged."""
    now = now or timezone.now()
    incident = Incident.objects.select_related("severity", "service", "organization").get(pk=incident.pk)
    run = selectors.run_for_incident(incident)
    if run is None or incident.status != IncidentStatus.TRIGGERED or selectors.urgency_for(incident.severity) != "high":
        return 0
    run = _lock_run(run.pk)
    if run.state not in (RunState.ACTIVE, RunState.EXHAUSTED) or run.current_step < 0:
        return 0
    run.severity_name = incident.severity.name
    run.save(update_fields=["severity_name", "updated_at"])
    announce(run, incident, now)
    paged = Notification.objects.filter(run=run, purpose=Purpose.PAGE, step=run.current_step, loop=run.loop,
                                        recipient__isnull=False).values_list("recipient_id", flat=True).distinct()
    users = list(incident.organization.memberships.filter(user_id__in=list(paged)).select_related("user"))
    for membership in users:
        channels = page_person(run, membership.user, step=run.current_step, loop=run.loop,
                               severity=incident.severity, now=now)
        note(incident, TK.PAGED, f"Re-paging {membership.user} for {incident.severity.name} ({', '.join(channels)}).",
             person=person(membership.user), channels=channels, step=run.current_step + 1, loop=run.loop,
             reason="severity_raised")
    _nudge_due(run, now)
    return len(users)


def paging_tick(*, now: datetime | None = None) -> int:
    """Beat: advance every due run (claimed with ``skip_locked``; each in its own savepoint, so one bad
    run does not hold the others back). Returns how many advanced."""
    now = now or timezone.now()
    advanced = 0
    with transaction.atomic():
        runs = list(EscalationRun.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("organization")
                    .filter(state=RunState.ACTIVE, next_step_due_at__lte=now)
                    .order_by("next_step_due_at")[:RUN_BATCH])
        for run in runs:
            try:
                with transaction.atomic():
                    advanced += bool(_advance_locked(run, now))
            except Exception:
                logger.exception("escalation advance failed", extra={"run_id": run.pk})
    return advanced


def paging_start_missed(*, now: datetime | None = None, grace_seconds: int = 3) -> int:
    """Beat: start paging triggered incidents of the last day that have no live run (their trigger
    event's dispatch was lost); the incidents sweeper would re-drive it too, but a minute later."""
    now = now or timezone.now()
    live = EscalationRun.objects.filter(incident=OuterRef("pk"), state__in=LIVE)
    missed = (Incident.objects.filter(Q(is_drill=False) | Q(drill_pages=True), status=IncidentStatus.TRIGGERED,
                                      updated_at__gte=now - timedelta(days=1),
                                      updated_at__lte=now - timedelta(seconds=grace_seconds))
              .filter(~Exists(live)).values_list("pk", flat=True)[:RUN_BATCH])
    started = 0
    for incident_id in list(missed):
        try:
            started += paging_start(incident=Incident(pk=incident_id)) is not None
        except Exception:
            logger.exception("paging start failed", extra={"incident_id": incident_id})
    return started
