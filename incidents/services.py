"""Every write of the incidents app. One function a use case, keyword-only; each runs in a
transaction, locks the incident row (``select_for_update``) and writes exactly one
``TimelineEvent`` for the change it makes (none when it changes nothing). The event reaches
the apps that react through ``incidents.events`` after commit."""

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from incidents import events, states
from incidents.defaults import CHECKLIST_TEMPLATES, STABLE_MONITORING_KEY, STABLE_MONITORING_PERIOD
from incidents.enums import OPEN_STATUSES, ActionKind, ChecklistKind, IncidentStatus, ParticipantRole, TimelineKind
from incidents.models import (
    ChecklistItem,
    Incident,
    IncidentSequence,
    Participant,
    RootCauseCategory,
    Service,
    Severity,
    TimelineEvent,
)
from oncall import selectors as oncall_selectors
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import Organization, User

logger = logging.getLogger(__name__)
S = IncidentStatus


def person(user: User | None) -> dict | None:
    """How a timeline payload names a person."""
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name": user.name}


def timeline_event_record(*, incident: Incident, kind: str, actor: User | None = None, payload: dict | None = None,
                          at: datetime | None = None) -> TimelineEvent:
    """Append an event to the incident's timeline and hand it to the dispatcher after commit.
    Other apps call it inside their own transaction to note what they did."""
    event = TimelineEvent.objects.create(
        organization_id=incident.organization_id, incident=incident, kind=kind, actor=actor,
        payload=payload or {}, at=at or timezone.now(),
    )
    events.enqueue_on_commit(event)
    return event


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_related("severity", "service", "commander").select_for_update(
        of=("self",)
    ).get(pk=incident.pk)


def _severity_of(organization: Organization, severity: Severity | str) -> Severity:
    if isinstance(severity, Severity):
        if severity.organization_id != organization.pk:
            raise ApplicationError("Unknown severity.", {"severity": ["Not a severity of this organization."]})
        return severity
    found = Severity.objects.filter(organization=organization, name__iexact=str(severity)).first()
    if found is None:
        names = ", ".join(Severity.objects.filter(organization=organization).values_list("name", flat=True))
        raise ApplicationError(f"Unknown severity '{severity}'.", {"severity": [f"Choose one of: {names}."]})
    return found


def _war_room_url(service: Service | None, severity: Severity, organization: Organization, number: int) -> str:
    if service is None or not severity.war_room or not service.war_room_url_template:
        return ""
    return service.war_room_url_template.replace("{number}", str(number)).replace("{org}", organization.slug)


def _first_responder(service: Service | None, at: datetime) -> User | None:
    if service is None or service.escalation_policy_id is None:
        return None
    responders = oncall_selectors.escalation_policy_first_responders(service.escalation_policy, at)
    return responders[0] if responders else None


def _next_number(organization: Organization) -> int:
    IncidentSequence.objects.get_or_create(organization=organization)
    sequence = IncidentSequence.objects.select_for_update().get(organization=organization)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _paging_note(service: Service | None, commander: User | None) -> str:
    if service is None:
        return "No service: this incident pages nobody."
    if service.escalation_policy_id is None:
        return f"Service {service.name} has no escalation policy: this incident pages nobody."
    if commander is None:
        return f"Nobody is on call for {service.escalation_policy.name}: no commander named."
    return f"{commander} is on call for {service.escalation_policy.name} and becomes Incident Commander."


@transaction.atomic
def incident_create(*, organization: Organization, title: str, severity: Severity | str, service: Service | None = None,
                    description: str = "", actor: User | None = None, detected_at: datetime | None = None,
                    is_drill: bool = False, source: str = "manual") -> Incident:
    """Open an incident with the next per-org number (the org's ``IncidentSequence`` row is locked,
    so concurrent creations never share a number), its checklists, and as commander the first
    on-call responder of the service's escalation policy. A service without a policy pages
    nobody, and the ``incident_created`` event says so."""
    if not (title or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    severity = _severity_of(organization, severity)
    if service is not None and service.organization_id != organization.pk:
        raise ApplicationError("Unknown service.", {"service": ["Not a service of this organization."]})
    now = timezone.now()
    commander = _first_responder(service, now)
    number = _next_number(organization)
    incident = Incident.objects.create(
        organization=organization, number=number, title=title.strip(), description=description, severity=severity,
        service=service, commander=commander, detected_at=detected_at or now, is_drill=is_drill, source=source,
        war_room_url=_war_room_url(service, severity, organization, number),
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(organization=organization, incident=incident, checklist=checklist, key=key, label=label,
                      position=position)
        for checklist, items in CHECKLIST_TEMPLATES.items()
        for position, (key, label) in enumerate(items)
    )
    if commander is not None:
        Participant.objects.create(organization=organization, incident=incident, user=commander,
                                   role=ParticipantRole.COMMANDER)
    pages_nobody = service is None or service.escalation_policy_id is None
    timeline_event_record(incident=incident, kind=TimelineKind.INCIDENT_CREATED, actor=actor, at=now, payload={
        "title": incident.title, "severity": severity.name, "service": service.name if service else None,
        "source": source, "is_drill": is_drill, "commander": person(commander), "pages_nobody": pages_nobody,
        "note": _paging_note(service, commander),
    })
    logger.info("incident created", extra={"incident_id": incident.pk, "organization_id": organization.pk})
    return incident


def _refuse_move(incident: Incident, status: str, allowed: list[str]) -> ConflictError:
    allowed_text = ", ".join(allowed) if allowed else "none (the incident is closed)"
    return ConflictError(
        f"Incident #{incident.number} cannot move from {incident.status} to {status}. Allowed: {allowed_text}.",
        {"status": [f"Allowed from {incident.status}: {allowed_text}."], "allowed_statuses": allowed},
    )


def _apply_move(incident: Incident, status: str, now: datetime) -> dict:
    """Set the status and the timestamps that go with it; return extra payload to record."""
    previous = incident.status
    extra: dict = {}
    incident.status = status
    if status == S.ACKNOWLEDGED and incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if status == S.MONITORING:
        incident.monitoring_since = now
    elif previous == S.MONITORING:
        incident.monitoring_since = None
    if status == S.CLOSED:
        incident.closed_at = now
    if states.is_reopen(previous, status):
        extra["previous_resolved_at"] = incident.resolved_at
        incident.resolved_at = None
        incident.closed_at = None
        reset = incident.checklist_items.filter(checklist=ChecklistKind.VERIFICATION, done=True)
        extra["verification_reset"] = sorted(reset.values_list("key", flat=True))
        reset.update(done=False, checked_by=None, checked_at=None, automatic=False)
    return extra


def _kind_of_move(previous: str, status: str) -> str:
    if status == S.ACKNOWLEDGED:
        return TimelineKind.ACKNOWLEDGED
    if status == S.CLOSED:
        return TimelineKind.CLOSED
    if states.is_reopen(previous, status):
        return TimelineKind.REOPENED
    return TimelineKind.STATUS_CHANGED


def _acknowledge_extras(incident: Incident, actor: User | None, now: datetime) -> dict:
    """The acknowledger takes command only when nobody holds it; the triage box is ticked."""
    extra: dict = {}
    if actor is not None and incident.commander_id is None:
        incident.commander = actor
        Participant.objects.update_or_create(incident=incident, user=actor, defaults={
            "organization_id": incident.organization_id, "role": ParticipantRole.COMMANDER})
        extra["commander_assigned"] = person(actor)
    elif actor is not None and incident.commander_id != actor.pk:
        extra["commander_kept"] = person(incident.commander)
    incident.checklist_items.filter(key="acknowledge_alert", done=False).update(done=True, checked_by=actor,
                                                                                checked_at=now)
    return extra


@transaction.atomic
def incident_transition(*, incident: Incident, status: str, actor: User | None = None, note: str = "",
                        system: bool = False) -> Incident:
    """Move the incident along the state machine (``incidents.states``); an illegal move raises
    ``ConflictError`` (409) naming the allowed statuses. Moving to resolved goes through the
    verification gate of ``incident_resolve``. ``system=True`` (alerts cleared) may also move any
    open incident to monitoring."""
    if status not in S.values:
        raise ApplicationError(f"Unknown status '{status}'.", {"status": [f"Choose one of: {', '.join(S.values)}."]})
    incident = _lock(incident)
    allowed = states.allowed_transitions(incident.status, system=system)
    if status not in allowed:
        raise _refuse_move(incident, status, allowed)
    if status == S.RESOLVED:
        return _resolve(incident, actor=actor, note=note, system=system)
    now = timezone.now()
    previous = incident.status
    extra = _apply_move(incident, status, now)
    if status == S.ACKNOWLEDGED:
        extra.update(_acknowledge_extras(incident, actor, now))
    incident.save()
    timeline_event_record(incident=incident, kind=_kind_of_move(previous, status), actor=actor, at=now, payload={
        "from": previous, "to": status, "note": note, "system": system, **extra})
    return incident


@transaction.atomic
def incident_acknowledge(*, incident: Incident, actor: User | None = None, via: str = "api") -> Incident:
    """Stop the paging: triggered → acknowledged. A no-op for an incident already past triggered.
    Someone acknowledging an incident that has a commander does not take command from them."""
    incident = _lock(incident)
    if incident.status != S.TRIGGERED:
        return incident
    now = timezone.now()
    _apply_move(incident, S.ACKNOWLEDGED, now)
    extra = _acknowledge_extras(incident, actor, now)
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.ACKNOWLEDGED, actor=actor, at=now, payload={
        "from": S.TRIGGERED, "to": S.ACKNOWLEDGED, "via": via, **extra})
    return incident


def verification_missing(incident: Incident) -> list[ChecklistItem]:
    return list(incident.checklist_items.filter(checklist=ChecklistKind.VERIFICATION, done=False)
                .order_by("position"))


def _resolve(incident: Incident, *, actor: User | None, system: bool, root_cause: str = "", impact: str = "",
             override_reason: str | None = None, note: str = "",
             root_cause_category: RootCauseCategory | None = None) -> Incident:
    override_reason = (override_reason or "").strip() or None
    missing = verification_missing(incident)
    if missing and override_reason is None and system:
        override_reason = "Resolved by the system (all alerts resolved)."
    if missing and override_reason is None:
        labels = [item.label for item in missing]
        raise ConflictError(
            "The verification checklist is not complete: tick it, or resolve with an override_reason.",
            {"override_reason": ["Required while the verification checklist is incomplete."], "checklist": labels},
        )
    now = timezone.now()
    previous = incident.status
    incident.status = S.RESOLVED
    incident.resolved_at = now
    incident.monitoring_since = None
    if root_cause:
        incident.root_cause = root_cause
    if impact:
        incident.customer_impact = impact
    if root_cause_category is not None:
        incident.root_cause_category = root_cause_category
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.RESOLVED, actor=actor, at=now, payload={
        "from": previous, "to": S.RESOLVED, "root_cause": incident.root_cause, "impact": incident.customer_impact,
        "root_cause_category": incident.root_cause_category.name if incident.root_cause_category else None,
        "override_reason": override_reason, "checklist_incomplete": [item.key for item in missing],
        "note": note, "system": system,
        "duration_seconds": int((now - incident.detected_at).total_seconds()),
    })
    return incident


@transaction.atomic
def incident_resolve(*, incident: Incident, actor: User | None = None, root_cause: str = "", impact: str = "",
                     override_reason: str | None = None, system: bool = False,
                     root_cause_category: RootCauseCategory | None = None) -> Incident:
    """Resolve an open incident (a false alarm may be resolved straight from triggered). Needs the
    verification checklist complete, or an ``override_reason``, which the timeline records."""
    if root_cause_category is not None and root_cause_category.organization_id != incident.organization_id:
        raise ApplicationError("Unknown category.", {"root_cause_category": ["Not a category of this organization."]})
    incident = _lock(incident)
    if incident.status not in OPEN_STATUSES:
        raise _refuse_move(incident, S.RESOLVED, states.allowed_transitions(incident.status, system=system))
    return _resolve(incident, actor=actor, system=system, root_cause=root_cause, impact=impact,
                    override_reason=override_reason, root_cause_category=root_cause_category)


@transaction.atomic
def incident_change_severity(*, incident: Incident, severity: Severity | str, actor: User | None = None) -> Incident:
    """Re-grade the incident. Moving to a war-room severity fills in the service's war-room link."""
    incident = _lock(incident)
    severity = _severity_of(incident.organization, severity)
    if severity.pk == incident.severity_id:
        return incident
    previous = incident.severity
    incident.severity = severity
    if not incident.war_room_url:
        incident.war_room_url = _war_room_url(incident.service, severity, incident.organization, incident.number)
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.SEVERITY_CHANGED, actor=actor, payload={
        "from": previous.name, "to": severity.name})
    return incident


def _require_member(incident: Incident, user: User, field: str) -> None:
    if not get_user_model().objects.filter(pk=user.pk, memberships__organization_id=incident.organization_id).exists():
        raise ApplicationError("Not a member of this organization.", {field: ["Not a member of this organization."]})


@transaction.atomic
def incident_assign_commander(*, incident: Incident, commander: User, actor: User | None = None) -> Incident:
    """Hand command to ``commander`` (a member); the previous commander stays as an engineer."""
    _require_member(incident, commander, "commander")
    incident = _lock(incident)
    if incident.commander_id == commander.pk:
        return incident
    previous = incident.commander
    Participant.objects.filter(incident=incident, role=ParticipantRole.COMMANDER).update(role=ParticipantRole.ENGINEER)
    Participant.objects.update_or_create(incident=incident, user=commander, defaults={
        "organization_id": incident.organization_id, "role": ParticipantRole.COMMANDER})
    incident.commander = commander
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.COMMANDER_ASSIGNED, actor=actor, payload={
        "commander": person(commander), "previous": person(previous)})
    return incident


@transaction.atomic
def participant_add(*, incident: Incident, user: User, role: str = ParticipantRole.ENGINEER,
                    actor: User | None = None) -> Participant:
    """Add someone to the war room (or change their role). The commander role hands over command."""
    if role not in ParticipantRole.values:
        choices = ", ".join(ParticipantRole.values)
        raise ApplicationError(f"Unknown role '{role}'.", {"role": [f"Choose one of: {choices}."]})
    if role == ParticipantRole.COMMANDER:
        incident = incident_assign_commander(incident=incident, commander=user, actor=actor)
        return Participant.objects.get(incident=incident, user=user)
    _require_member(incident, user, "user")
    incident = _lock(incident)
    participant = Participant.objects.filter(incident=incident, user=user).first()
    if participant is not None and participant.role == role:
        return participant
    if participant is not None and participant.role == ParticipantRole.COMMANDER:
        raise ConflictError("This person is the commander: hand command to someone else first.",
                            {"role": ["Reassign the commander first."]})
    participant, _created = Participant.objects.update_or_create(incident=incident, user=user, defaults={
        "organization_id": incident.organization_id, "role": role})
    timeline_event_record(incident=incident, kind=TimelineKind.PARTICIPANT_ADDED, actor=actor, payload={
        "user": person(user), "role": role})
    return participant


@transaction.atomic
def incident_note_add(*, incident: Incident, text: str, actor: User | None = None) -> TimelineEvent:
    """A free-text note on the timeline (an investigation finding, a hypothesis, a decision)."""
    if not (text or "").strip():
        raise ApplicationError("A note needs text.", {"text": ["This field may not be blank."]})
    incident = _lock(incident)
    return timeline_event_record(incident=incident, kind=TimelineKind.NOTE, actor=actor, payload={"text": text})


@transaction.atomic
def incident_action_record(*, incident: Incident, kind: str, description: str, command: str = "",
                           actor: User | None = None) -> TimelineEvent:
    """Record a containment or resolution action taken (rollback, feature flag, scale…)."""
    if kind not in ActionKind.values:
        choices = ", ".join(ActionKind.values)
        raise ApplicationError(f"Unknown action kind '{kind}'.", {"kind": [f"Choose one of: {choices}."]})
    if not (description or "").strip():
        raise ApplicationError("Say what was done.", {"description": ["This field may not be blank."]})
    incident = _lock(incident)
    return timeline_event_record(incident=incident, kind=TimelineKind.ACTION_TAKEN, actor=actor, payload={
        "kind": kind, "description": description, "command": command})


@transaction.atomic
def incident_update_details(*, incident: Incident, actor: User | None = None, **changes) -> Incident:
    """Edit the free-text fields (title, description, customer_impact, war_room_url)."""
    editable = {"title", "description", "customer_impact", "war_room_url"}
    unknown = set(changes) - editable
    if unknown:
        raise ApplicationError("Not editable here.", {name: ["Not editable here."] for name in sorted(unknown)})
    if "title" in changes and not (changes["title"] or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    incident = _lock(incident)
    changed = {name: {"from": getattr(incident, name), "to": value} for name, value in changes.items()
               if getattr(incident, name) != value}
    if not changed:
        return incident
    for name, change in changed.items():
        setattr(incident, name, change["to"])
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.DETAILS_CHANGED, actor=actor,
                          payload={"fields": changed})
    return incident


@transaction.atomic
def incident_checklist_update(*, incident: Incident, changes: list[dict], actor: User | None = None,
                              ) -> list[ChecklistItem]:
    """Tick or untick checklist items: ``changes`` is ``[{"key": ..., "done": bool}]``. One
    ``checklist_updated`` event for the items that actually changed."""
    incident = _lock(incident)
    items = {item.key: item for item in incident.checklist_items.all()}
    unknown = [str(change.get("key")) for change in changes if change.get("key") not in items]
    if unknown:
        raise ApplicationError(f"Unknown checklist item: {', '.join(unknown)}.",
                               {"items": [f"Unknown checklist item '{key}'." for key in unknown]})
    now = timezone.now()
    changed = []
    for change in changes:
        item = items[change["key"]]
        done = bool(change["done"])
        if item.done == done:
            continue
        item.done, item.automatic = done, False
        item.checked_by, item.checked_at = (actor, now) if done else (None, None)
        item.save(update_fields=["done", "automatic", "checked_by", "checked_at"])
        changed.append({"key": item.key, "label": item.label, "checklist": item.checklist, "done": done})
    if changed:
        timeline_event_record(incident=incident, kind=TimelineKind.CHECKLIST_UPDATED, actor=actor, at=now,
                              payload={"items": changed})
    return sorted(items.values(), key=lambda item: (item.checklist != ChecklistKind.TRIAGE, item.position))


def incident_monitoring_tick(*, now: datetime | None = None) -> int:
    """Beat: tick "monitor for 30 minutes" on incidents that have stayed in monitoring that long.
    Each incident is claimed with ``skip_locked`` and re-checked, so concurrent ticks do it once."""
    now = now or timezone.now()
    due = Incident.objects.filter(
        status=S.MONITORING, monitoring_since__lte=now - STABLE_MONITORING_PERIOD,
        checklist_items__key=STABLE_MONITORING_KEY, checklist_items__done=False,
    ).values_list("pk", flat=True)
    ticked = 0
    for incident_id in list(due[:500]):
        if _monitoring_tick_one(incident_id, now):
            ticked += 1
    return ticked


@transaction.atomic
def _monitoring_tick_one(incident_id: int, now: datetime) -> bool:
    incident = Incident.objects.select_for_update(skip_locked=True).filter(
        pk=incident_id, status=S.MONITORING, monitoring_since__lte=now - STABLE_MONITORING_PERIOD).first()
    if incident is None:
        return False
    item = incident.checklist_items.filter(key=STABLE_MONITORING_KEY, done=False).first()
    if item is None:
        return False
    item.done, item.automatic, item.checked_by, item.checked_at = True, True, None, now
    item.save(update_fields=["done", "automatic", "checked_by", "checked_at"])
    timeline_event_record(incident=incident, kind=TimelineKind.CHECKLIST_UPDATED, at=now, payload={
        "items": [{"key": item.key, "label": item.label, "checklist": item.checklist, "done": True}],
        "automatic": True, "monitoring_since": incident.monitoring_since})
    return True


def catalog_object_delete(*, obj) -> None:
    """Delete a severity, service, runbook or category; refuse (409) while incidents use it."""
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        raise ConflictError(f"{obj} is used by incidents and cannot be deleted.",
                            {"non_field_errors": ["Still used by incidents or other objects."]}) from exc


@transaction.atomic
def incident_update(*, incident: Incident, actor: User | None = None, severity: Severity | str | None = None,
                    commander: User | None = None, **details) -> Incident:
    """An edit of several things at once: one event per kind of change (details, severity, commander)."""
    if details:
        incident = incident_update_details(incident=incident, actor=actor, **details)
    if severity is not None:
        incident = incident_change_severity(incident=incident, severity=severity, actor=actor)
    if commander is not None:
        incident = incident_assign_commander(incident=incident, commander=commander, actor=actor)
    return incident
