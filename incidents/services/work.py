"""Working an incident: the war-room roster, notes, actions taken, checklists (and the monitoring
tick)."""

from datetime import datetime

from django.db import transaction

from incidents.defaults import STABLE_MONITORING_KEY, STABLE_MONITORING_PERIOD
from incidents.enums import ActionKind, ChecklistKind, IncidentStatus, ParticipantRole, TimelineKind
from incidents.models import ChecklistItem, Incident, Participant, TimelineEvent
from incidents.services.common import incident_lock, person, require_member, timeline_event_record
from incidents.services.common import now as clock
from incidents.services.lifecycle import incident_assign_commander
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import User

S = IncidentStatus


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
    require_member(incident, user, "user")
    incident = incident_lock(incident)
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
    incident = incident_lock(incident)
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
    incident = incident_lock(incident)
    return timeline_event_record(incident=incident, kind=TimelineKind.ACTION_TAKEN, actor=actor, payload={
        "kind": kind, "description": description, "command": command})


@transaction.atomic
def incident_checklist_update(*, incident: Incident, changes: list[dict], actor: User | None = None,
                              ) -> list[ChecklistItem]:
    """Tick or untick checklist items: ``changes`` is ``[{"key": ..., "done": bool}]``. One
    ``checklist_updated`` event for the items that actually changed."""
    incident = incident_lock(incident)
    items = {item.key: item for item in incident.checklist_items.all()}
    unknown = [str(change.get("key")) for change in changes if change.get("key") not in items]
    if unknown:
        raise ApplicationError(f"Unknown checklist item: {', '.join(unknown)}.",
                               {"items": [f"Unknown checklist item '{key}'." for key in unknown]})
    now = clock()
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
    now = now or clock()
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
