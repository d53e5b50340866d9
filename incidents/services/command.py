"""Who commands an incident when it is acknowledged (plan 4.1): the acknowledger takes command
when nobody holds it, or when paging escalated past a commander who did not answer."""

from datetime import datetime

from incidents.enums import ParticipantRole, TimelineKind
from incidents.models import Incident, Participant
from incidents.services.common import person, timeline_event_record
from tenancy.models import User


def _escalated_past_commander(incident: Incident) -> bool:
    """Paging moved past the commander's step (an ``escalated`` event) and nobody handed command on
    since: the commander did not answer (plan 4.1)."""
    last = incident.timeline.filter(kind=TimelineKind.ESCALATED).order_by("-at", "-id").first()
    if last is None:
        return False
    return not incident.timeline.filter(kind=TimelineKind.COMMANDER_ASSIGNED, at__gte=last.at).exists()


def _take_command(incident: Incident, actor: User) -> None:
    Participant.objects.filter(incident=incident, role=ParticipantRole.COMMANDER).exclude(user=actor).update(
        role=ParticipantRole.ENGINEER)
    Participant.objects.update_or_create(incident=incident, user=actor, defaults={
        "organization_id": incident.organization_id, "role": ParticipantRole.COMMANDER})
    incident.commander = actor


def acknowledge_extras(incident: Incident, actor: User | None, now: datetime) -> tuple[dict, User | None]:
    """The acknowledger takes command when nobody holds it, or when paging escalated past a commander
    who did not answer (then the unreachable commander is returned, to say so on the timeline);
    otherwise the commander keeps it. The triage box is ticked."""
    extra: dict = {}
    unreachable = None
    if actor is not None and incident.commander_id is None:
        _take_command(incident, actor)
        extra["commander_assigned"] = person(actor)
    elif actor is not None and incident.commander_id != actor.pk and _escalated_past_commander(incident):
        unreachable = incident.commander
        _take_command(incident, actor)
        extra["commander_assigned"] = person(actor)
        extra["previous_commander"] = person(unreachable)
    elif actor is not None and incident.commander_id != actor.pk:
        extra["commander_kept"] = person(incident.commander)
    incident.checklist_items.filter(key="acknowledge_alert", done=False).update(done=True, checked_by=actor,
                                                                                checked_at=now)
    return extra, unreachable


def record_handover(incident: Incident, actor: User, unreachable: User | None, now: datetime) -> None:
    if unreachable is None:
        return
    timeline_event_record(incident=incident, kind=TimelineKind.COMMANDER_ASSIGNED, actor=actor, at=now, payload={
        "commander": person(actor), "previous": person(unreachable), "reason": "acknowledged_after_escalation",
        "note": f"{unreachable} did not answer the page; {actor} acknowledged after escalation and becomes "
                "Incident Commander."})
