"""The incident lifecycle: creation (number, commander, checklists), the state machine, the resolve
gate, severity, command and details."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from incidents import guards, states
from incidents.enums import OPEN_STATUSES, ChecklistKind, IncidentStatus, ParticipantRole, TimelineKind
from incidents.models import (
    ChecklistItem,
    Incident,
    Participant,
    RootCauseCategory,
    Service,
    Severity,
)
from incidents.services import opening
from incidents.services.command import acknowledge_extras, record_handover
from incidents.services.common import incident_lock, person, require_member, timeline_event_record
from incidents.services.common import now as clock
from oncall import selectors as oncall_selectors
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import Organization, User
from tenancy.writes import model_update

logger = logging.getLogger(__name__)
S = IncidentStatus


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


def _war_room_url(service: Service | None, severity: Severity, organization: Organization, number: int | str) -> str:
    if service is None or not severity.war_room or not service.war_room_url_template:
        return ""
    return service.war_room_url_template.replace("{number}", str(number)).replace("{org}", organization.slug)


def _first_responder(policy, at: datetime) -> User | None:
    if policy is None:
        return None
    responders = oncall_selectors.escalation_policy_first_responders(policy, at)
    return responders[0] if responders else None


def _paging_warning(service: Service | None) -> str:
    where = "This incident has no service" if service is None else f"Service {service.name} has no escalation policy"
    return (f"{where} and the organization has no default escalation policy: this incident pages nobody. "
            "Give the service a policy "
            "or mark one escalation policy as the default.")


def _paging_note(service: Service | None, policy, commander: User | None) -> str:
    if policy is None:
        return _paging_warning(service)
    fallback = "" if service is not None and service.escalation_policy_id == policy.pk else " (the default policy)"
    if commander is None:
        return f"Nobody is on call for {policy.name}{fallback}: no commander named."
    return f"{commander} is on call for {policy.name}{fallback} and becomes Incident Commander."


# Clocks of monitors and of the API's callers drift; beyond this a detected_at "in the future" is a mistake.
DETECTED_AT_SKEW = timedelta(minutes=5)


def _check_detected_at(detected_at: datetime | None) -> None:
    if detected_at is None:
        return
    if timezone.is_naive(detected_at):
        raise ApplicationError("detected_at needs a time zone.", {"detected_at": ["Give a UTC offset, e.g. Z."]})
    if detected_at > clock() + DETECTED_AT_SKEW:
        raise ApplicationError("detected_at is in the future.",
                               {"detected_at": ["Must not be in the future (it starts every incident metric)."]})


def incident_create(*, organization: Organization, title: str, severity: Severity | str, service: Service | None = None,
                    description: str = "", actor: User | None = None, detected_at: datetime | None = None,
                    is_drill: bool = False, source: str = "manual") -> Incident:
    """Open an incident with the next per-org number (the org's ``IncidentSequence`` row is locked,
    so concurrent creations never share a number), its checklists, and as commander the first
    on-call responder of the service's escalation policy. A service without a policy pages
    nobody, and the ``incident_created`` event says so.

    The arguments are checked before the transaction starts, so a refusal writes nothing and
    leaves a caller's transaction usable; the writes then join the caller's transaction without
    a savepoint of their own (ingestion's, on every new alert key: two round trips saved)."""
    prepared = incident_opening(organization=organization, title=title, severity=severity, service=service,
                                description=description, actor=actor, detected_at=detected_at, is_drill=is_drill,
                                source=source)
    with transaction.atomic(savepoint=False):
        incident = opening.incident_insert(prepared)
    logger.info("incident created", extra={"incident_id": incident.pk, "organization_id": organization.pk})
    return incident


def incident_opening(*, organization: Organization, title: str, severity: Severity | str,
                     service: Service | None = None, description: str = "", actor: User | None = None,
                     detected_at: datetime | None = None, is_drill: bool = False,
                     source: str = "manual") -> opening.Opening:
    """Check the arguments of a new incident and read everything it needs (the severity, the
    policy and its on-call commander), writing nothing: the ``Opening`` that a writer of
    ``opening`` takes. The number is taken by the one statement that writes, so the org's counter
    is locked only from there to the commit."""
    if not (title or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    severity = _severity_of(organization, severity)
    if service is not None and service.organization_id != organization.pk:
        raise ApplicationError("Unknown service.", {"service": ["Not a service of this organization."]})
    _check_detected_at(detected_at)
    title = title.strip()
    now = clock()
    policy = oncall_selectors.escalation_policy_for(organization_id=organization.pk, service=service)
    commander = _first_responder(policy, now)
    incident = Incident(
        organization=organization, title=title, description=description, severity=severity, service=service,
        commander=commander, detected_at=detected_at or now, is_drill=is_drill, source=source,
        paging_warning="" if policy is not None else _paging_warning(service),
    )
    return opening.Opening(
        incident=incident, war_room_template=_war_room_url(service, severity, organization, opening.NUMBER_PLACEHOLDER),
        actor=actor, at=now, event_payload={
            "title": title, "severity": severity.name, "service": service.name if service else None,
            "source": source, "is_drill": is_drill, "commander": person(commander),
            "pages_nobody": policy is None, "paging_warning": incident.paging_warning,
            "escalation_policy": {"id": policy.pk, "name": policy.name} if policy else None,
            "note": _paging_note(service, policy, commander),
        })


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
        incident.mitigated_at = incident.mitigated_at or now
    elif previous == S.MONITORING:
        incident.monitoring_since = None
    if status == S.CLOSED:
        guards.close_check(incident)
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


@transaction.atomic
def incident_transition(*, incident: Incident, status: str, actor: User | None = None, note: str = "",
                        system: bool = False) -> Incident:
    """Move the incident along the state machine (``incidents.states``); an illegal move raises
    ``ConflictError`` (409) naming the allowed statuses. Moving to resolved goes through the
    verification gate of ``incident_resolve``. ``system=True`` (alerts cleared) may also move any
    open incident to monitoring."""
    if status not in S.values:
        raise ApplicationError(f"Unknown status '{status}'.", {"status": [f"Choose one of: {', '.join(S.values)}."]})
    incident = incident_lock(incident)
    allowed = states.allowed_transitions(incident.status, system=system)
    if status not in allowed:
        raise _refuse_move(incident, status, allowed)
    if status == S.RESOLVED:
        return _resolve(incident, actor=actor, note=note, system=system)
    now = clock()
    previous = incident.status
    extra = _apply_move(incident, status, now)
    unreachable = None
    if status == S.ACKNOWLEDGED:
        ack_extra, unreachable = acknowledge_extras(incident, actor, now)
        extra.update(ack_extra)
    incident.save()
    timeline_event_record(incident=incident, kind=_kind_of_move(previous, status), actor=actor, at=now, payload={
        "from": previous, "to": status, "note": note, "system": system, **extra})
    record_handover(incident, actor, unreachable, now)
    return incident


@transaction.atomic
def incident_acknowledge(*, incident: Incident, actor: User | None = None, via: str = "api") -> Incident:
    """Stop the paging: triggered → acknowledged. Someone acknowledging an incident that has a
    commander does not take command from them, unless paging escalated past that commander (they did
    not answer): then the acknowledger becomes commander and the timeline says so.

    An incident already past triggered keeps its status; if nobody had acknowledged it yet (the
    system moved it on, e.g. alerts cleared → monitoring) the acknowledgment is still recorded."""
    incident = incident_lock(incident)
    if incident.status != S.TRIGGERED:
        return _acknowledge_late(incident, actor=actor, via=via)
    now = clock()
    _apply_move(incident, S.ACKNOWLEDGED, now)
    extra, unreachable = acknowledge_extras(incident, actor, now)
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.ACKNOWLEDGED, actor=actor, at=now, payload={
        "from": S.TRIGGERED, "to": S.ACKNOWLEDGED, "via": via, **extra})
    record_handover(incident, actor, unreachable, now)
    return incident


def _acknowledge_late(incident: Incident, *, actor: User | None, via: str) -> Incident:
    if incident.status not in OPEN_STATUSES or incident.acknowledged_at is not None:
        return incident
    now = clock()
    incident.acknowledged_at = now
    extra, unreachable = acknowledge_extras(incident, actor, now)
    incident.save()
    timeline_event_record(incident=incident, kind=TimelineKind.ACKNOWLEDGED, actor=actor, at=now, payload={
        "from": incident.status, "to": incident.status, "via": via, "late": True, **extra})
    record_handover(incident, actor, unreachable, now)
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
    now = clock()
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
    incident = incident_lock(incident)
    if incident.status not in OPEN_STATUSES:
        raise _refuse_move(incident, S.RESOLVED, states.allowed_transitions(incident.status, system=system))
    return _resolve(incident, actor=actor, system=system, root_cause=root_cause, impact=impact,
                    override_reason=override_reason, root_cause_category=root_cause_category)


@transaction.atomic
def incident_change_severity(*, incident: Incident, severity: Severity | str, actor: User | None = None) -> Incident:
    """Re-grade the incident. Moving to a war-room severity fills in the service's war-room link."""
    incident = incident_lock(incident)
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


@transaction.atomic
def incident_assign_commander(*, incident: Incident, commander: User, actor: User | None = None) -> Incident:
    """Hand command to ``commander`` (a member); the previous commander stays as an engineer."""
    require_member(incident, commander, "commander")
    incident = incident_lock(incident)
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
def incident_drill_paging_enable(*, incident: Incident, actor: User | None = None) -> Incident:
    """Let a drill page people like a real incident (its title says [DRILL], so every message does).
    Call it in the transaction that opened the drill: paging starts after that commit."""
    incident = incident_lock(incident)
    if not incident.is_drill:
        raise ApplicationError("Only a drill incident.", {"incident": ["Not a drill."]})
    if incident.drill_pages:
        return incident
    incident.drill_pages = True
    incident.save(update_fields=["drill_pages", "updated_at"])
    timeline_event_record(incident=incident, kind=TimelineKind.NOTE, actor=actor,
                          payload={"text": "This drill pages people; every message is labelled DRILL."})
    return incident


@transaction.atomic
def incident_update_details(*, incident: Incident, actor: User | None = None, **changes) -> Incident:
    """Edit the free-text fields (title, description, customer_impact, war_room_url) and when the impact
    started (``impact_started_at``, known only afterwards, e.g. from a post-mortem)."""
    editable = {"title", "description", "customer_impact", "war_room_url", "impact_started_at"}
    unknown = set(changes) - editable
    if unknown:
        raise ApplicationError("Not editable here.", {name: ["Not editable here."] for name in sorted(unknown)})
    if "title" in changes and not (changes["title"] or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    incident = incident_lock(incident)
    changed = {name: {"from": getattr(incident, name), "to": value} for name, value in changes.items()
               if getattr(incident, name) != value}
    if not changed:
        return incident
    model_update(instance=incident, fields=changed, data=changes, validate=False)
    timeline_event_record(incident=incident, kind=TimelineKind.DETAILS_CHANGED, actor=actor,
                          payload={"fields": changed})
    return incident


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
