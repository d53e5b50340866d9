"""Status updates (plan 5.3, 6.3, 11): the draft filled from the incident, and posting one.

Posting locks the incident, optionally moves it (``apply_status``, legal transitions only), writes the
``StatusUpdate`` and its ``status_update_posted`` event in one transaction, sets the incident's
``next_update_at`` from the severity's cadence and schedules its reminder (``comms.services.cadence``).
What reacts happens after commit through the outbox: internal and closure updates go to the chat
destinations routed for the severity (``status_update_deliver``); public ones are the status page's."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from comms import nudge, selectors, templating
from comms.enums import Audience, Channel, Purpose, UpdateStatus
from comms.models import Notification, StatusUpdate
from comms.services import cadence, drafting
from comms.services.templates import template_source
from comms.services.timeline import note
from incidents import services as incident_services
from incidents.enums import IncidentStatus, TimelineKind
from incidents.models import Incident
from tenancy.errors import ApplicationError, ConflictError

logger = logging.getLogger(__name__)
# A chosen next-update time this close to the cadence's counts as on the cadence.
CADENCE_TOLERANCE = timedelta(minutes=1)
TEXT_LIMITS = {"title": 300, "eta": 200}


def _check_choices(audience: str, status: str) -> None:
    if audience not in Audience.values:
        raise ApplicationError(f"Unknown audience '{audience}'.",
                               {"audience": [f"Choose one of: {', '.join(Audience.values)}."]})
    if status is not None and status not in UpdateStatus.values:
        raise ApplicationError(f"Unknown status '{status}'.",
                               {"status": [f"Choose one of: {', '.join(UpdateStatus.values)}."]})


def _load(incident: Incident) -> Incident:
    return Incident.objects.select_related("severity", "organization", "commander", "service").get(pk=incident.pk)


def _render(organization, kind: str, context: dict) -> str:
    """The org's template of ``kind`` (the plan's default if it has none). Saved templates were checked,
    so this does not fail; if it ever did, the default text is used rather than refusing an update."""
    _subject, source = template_source(organization=organization, kind=kind)
    try:
        text = templating.render(source, context)
    except Exception:
        logger.exception("saved template failed to render; using the default", extra={"kind": kind})
        text = templating.render(templating.DEFAULTS[kind][1], context)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def status_update_draft(*, incident: Incident, audience: str) -> dict:
    """A ready-to-post update for ``audience``: the StatusUpdate fields filled from the incident (status,
    title, impact, root cause, ETA, next update time from the severity's cadence, commander) and ``body``
    rendered from the audience's template. ``variables`` are the template's values (for closure:
    duration, root cause, impact, fix, when the post-mortem is due). Writes nothing."""
    _check_choices(audience, None)
    incident = _load(incident)
    now = timezone.now()
    values = drafting.fields(incident, audience, now)
    context = drafting.variables(incident, values, now)
    kind = drafting.kind_for(audience, values["status"])
    return {"incident": incident.number, **values, "body": _render(incident.organization, kind, context),
            "template": kind, "variables": context}


def _next_update(incident: Incident, status: str, chosen: datetime | None, reason: str, now: datetime
                 ) -> tuple[datetime | None, bool]:
    """The next update time and whether it is later than the cadence allows (then ``reason`` is required)."""
    default = drafting.default_next_update(incident, status, now)
    if chosen is None:
        return default, False
    if chosen <= now:
        raise ApplicationError("The next update time is in the past.", {"next_update_at": ["Must be in the future."]})
    later = default is not None and chosen > default + CADENCE_TOLERANCE
    if later and not reason:
        interval = drafting.duration_text(drafting.cadence(incident).total_seconds())
        raise ApplicationError(
            "Later than the severity's cadence allows: give a reason.",
            {"next_update_at": [f"{incident.severity.name} updates every {interval} (next by "
                                f"{drafting.hhmm(default)} UTC); a later time needs a reason."],
             "reason": ["Required for a later next update time."]})
    return chosen, later


def _apply_status(incident: Incident, status: str, actor) -> Incident:
    target = drafting.INCIDENT_STATUS_OF[status]
    if incident.status == target or (target == IncidentStatus.RESOLVED and incident.status == IncidentStatus.CLOSED):
        return incident
    incident_services.incident_transition(incident=incident, status=target, actor=actor,
                                          note="Applied from a status update.")
    return _load(incident)


def _values(incident: Incident, audience: str, status: str, now: datetime, given: dict) -> dict:
    values = drafting.fields(incident, audience, now)
    values["status"] = status
    for name, value in given.items():
        if value is None:
            continue
        if name in TEXT_LIMITS and len(value) > TEXT_LIMITS[name]:
            raise ApplicationError(f"{name} is too long.", {name: [f"At most {TEXT_LIMITS[name]} characters."]})
        values[name] = value
    if not (values["title"] or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    return values


@transaction.atomic
def status_update_post(*, incident: Incident, audience: str, posted_by, status: str, title: str | None = None,
                       impact: str | None = None, root_cause: str | None = None, eta: str | None = None,
                       eta_at: datetime | None = None, next_update_at: datetime | None = None,
                       body: str | None = None, apply_status: bool = False, reason: str | None = None
                       ) -> StatusUpdate:
    """Post an update. Fields left None come from the draft; ``body`` None renders the audience's template.
    The incident's status moves only with ``apply_status`` (legal transitions, else 409). A next update
    time later than the cadence needs a ``reason``, which the timeline records. Locks the incident row."""
    _check_choices(audience, status)
    if audience == Audience.CLOSURE and status != UpdateStatus.RESOLVED:
        raise ApplicationError("A closure message says resolved.", {"status": ["Must be resolved for closure."]})
    incident_services.incident_lock(incident)
    incident = _apply_status(_load(incident), status, posted_by) if apply_status else _load(incident)
    if audience == Audience.CLOSURE and incident.is_open:
        raise ConflictError("The closure message is for a resolved incident.",
                            {"audience": [f"Incident #{incident.number} is {incident.status}."]})
    now = timezone.now()
    values = _values(incident, audience, status, now, {"title": title, "impact": impact, "root_cause": root_cause,
                                                       "eta": eta, "eta_at": eta_at})
    reason = (reason or "").strip()
    values["next_update_at"], later = _next_update(incident, status, next_update_at, reason, now)
    kind = drafting.kind_for(audience, status)
    text = (body or "").strip() or _render(incident.organization, kind, drafting.variables(incident, values, now))
    update = StatusUpdate.objects.create(
        organization_id=incident.organization_id, incident=incident, audience=audience, status=status,
        title=values["title"], impact=values["impact"] or "", root_cause=values["root_cause"] or "",
        eta=values["eta"] or "", eta_at=values["eta_at"], next_update_at=values["next_update_at"],
        commander=incident.commander, body=text, posted_by=posted_by, posted_at=now)
    incident_services.timeline_event_record(incident=incident, kind=TimelineKind.STATUS_UPDATE_POSTED,
                                            actor=posted_by, at=now, payload={
                                                "status_update_id": update.pk, "audience": audience,
                                                "status": status})
    if later:
        note(incident, TimelineKind.NOTE, f"Next update set to {drafting.hhmm(update.next_update_at)} UTC, later "
             f"than the {incident.severity.name} cadence: {reason}", actor=posted_by, status_update_id=update.pk,
             next_update_at=update.next_update_at.isoformat(), reason=reason)
    incident_services.incident_next_update_set(incident=incident, next_update_at=update.next_update_at)
    cadence.reminder_schedule(incident=incident, due_at=update.next_update_at, status_update=update)
    logger.info("status update posted", extra={"incident_id": incident.pk, "status_update_id": update.pk})
    return update


@transaction.atomic
def status_update_deliver(*, status_update_id: int) -> int:
    """After commit (the outbox): an internal or closure update goes to each active chat destination routed
    for the incident's severity, one ``Notification`` per destination (key ``status:<id>:d<dest>``, so a
    re-driven event sends nothing twice). Returns how many rows were new."""
    update = StatusUpdate.objects.select_related("incident__severity", "incident__organization").filter(
        pk=status_update_id).first()
    if update is None or update.audience not in (Audience.INTERNAL, Audience.CLOSURE):
        return 0
    incident = update.incident
    text = f"[DRILL] {update.body}" if incident.is_drill else update.body
    created_count = 0
    now = timezone.now()
    for destination in selectors.announce_destinations(organization=incident.organization, severity=incident.severity):
        row, created = Notification.objects.get_or_create(
            idempotency_key=f"status:{update.pk}:d{destination.pk}", defaults={
                "organization_id": update.organization_id, "incident": incident, "channel": Channel.CHAT,
                "purpose": Purpose.STATUS_UPDATE, "chat_destination": destination, "address": destination.name,
                "status_update": update, "subject": f"{update.get_audience_display()} update: {update.title}",
                "body": text, "due_at": now, "nudged_at": now})
        if created:
            created_count += 1
            nudge.notification_on_commit(row.pk)
    return created_count


@transaction.atomic
def status_closure_offer(*, incident: Incident) -> bool:
    """After resolution (the outbox, on ``resolved``): offer the closure message (plan 6.3) on the timeline,
    with its draft, unless one was posted. Returns whether it offered."""
    incident = _load(incident)
    if incident.is_open or StatusUpdate.objects.filter(incident=incident, audience=Audience.CLOSURE).exists():
        return False
    draft = status_update_draft(incident=incident, audience=Audience.CLOSURE)
    path = (f"/api/v1/orgs/{incident.organization.slug}/incidents/{incident.number}/status-updates/"
            "draft/?audience=closure")
    note(incident, TimelineKind.SYSTEM, "Resolved: the closure message is drafted; post it with audience "
         "closure to send it where internal updates go.", closure_draft=draft["body"], draft_path=path)
    return True
