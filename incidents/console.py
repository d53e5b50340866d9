"""The incident page of the admin console: what a commander works an incident from.

The page shows the timeline top to bottom, buttons for the legal transitions only, the
checklists, the war-room roster and the service's runbooks. Every button is a POST to one
work action, and every action calls the same service as the API (validation, timeline event,
outbox). Apps above incidents add their own panels (status updates, notifications,
post-mortem) with ``register_panel``, so this module never imports them."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from incidents import selectors, services, states
from incidents.enums import ChecklistKind, IncidentStatus, ParticipantRole
from incidents.models import Incident, TimelineEvent
from tenancy.errors import ApplicationError

Handler = Callable[[object, Incident], str]


@dataclass
class Panel:
    """A block of the incident page contributed by another app.

    ``context(request, incident)`` returns the template's variables (as ``data.<name>``); ``actions`` maps a work
    action's name to ``handler(request, incident) -> message`` (raise ApplicationError to refuse)."""

    key: str
    title: str
    template: str
    context: Callable[[object, Incident], dict]
    actions: dict[str, Handler] = field(default_factory=dict)
    order: int = 100


PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    """Add (or replace, by key) a panel of the incident page. Called from an AppConfig.ready()."""
    PANELS[:] = [existing for existing in PANELS if existing.key != panel.key]
    PANELS.append(panel)
    PANELS.sort(key=lambda item: item.order)


def describe(event: TimelineEvent) -> str:
    """One line saying what a timeline event recorded, for people."""
    payload = event.payload or {}
    for key in ("text", "description", "summary", "title", "message"):
        if isinstance(payload.get(key), str) and payload[key]:
            return payload[key]
    if payload.get("to"):
        note = f" ({payload['note']})" if payload.get("note") else ""
        return f"{payload.get('from', '')} → {payload['to']}{note}"
    if payload.get("items"):
        return ", ".join(f"{'☑' if item.get('done') else '☐'} {item.get('label', item.get('key'))}"
                         for item in payload["items"] if isinstance(item, dict))
    return ""


def _transition_buttons(incident: Incident) -> list[dict]:
    buttons = []
    for status in states.allowed_transitions(incident.status):
        label = IncidentStatus(status).label
        if status == IncidentStatus.ACKNOWLEDGED:
            buttons.append({"action": "acknowledge", "status": status, "label": "Acknowledge"})
        elif status == IncidentStatus.RESOLVED:
            buttons.append({"action": "resolve", "status": status, "label": "Resolve"})
        else:
            buttons.append({"action": "transition", "status": status, "label": f"Move to {label.lower()}"})
    return buttons


def work_context(request, incident: Incident) -> dict:
    """The variables of the incident page (core blocks, then each registered panel)."""
    checklist = list(selectors.checklist_for_incident(incident=incident))
    return {
        "incident": incident,
        "timeline": [{"event": event, "text": describe(event)}
                     for event in selectors.timeline_for_incident(incident=incident).select_related("actor")],
        "transitions": _transition_buttons(incident),
        "triage": [item for item in checklist if item.checklist == ChecklistKind.TRIAGE],
        "verification": [item for item in checklist if item.checklist == ChecklistKind.VERIFICATION],
        "participants": list(selectors.participants_for_incident(incident=incident).select_related("user")),
        "roles": ParticipantRole.choices,
        "members": list(get_user_model().objects.filter(memberships__organization_id=incident.organization_id)
                        .order_by("name", "email")),
        "runbooks": list(selectors.runbooks_for_incident(incident=incident)),
        "panels": [{"panel": panel, **panel.context(request, incident)} for panel in PANELS],
    }


def _acknowledge(request, incident: Incident) -> str:
    services.incident_acknowledge(incident=incident, actor=request.user, via="admin")
    return f"#{incident.number} acknowledged."


def _transition(request, incident: Incident) -> str:
    status = request.POST.get("status", "")
    services.incident_transition(incident=incident, status=status, actor=request.user,
                                 note=request.POST.get("note", "").strip())
    return f"#{incident.number} moved to {status}."


def _resolve(request, incident: Incident) -> str:
    services.incident_resolve(incident=incident, actor=request.user,
                              root_cause=request.POST.get("root_cause", "").strip(),
                              impact=request.POST.get("impact", "").strip(),
                              override_reason=request.POST.get("override_reason", "").strip() or None)
    return f"#{incident.number} resolved."


def _checklist(request, incident: Incident) -> str:
    key = request.POST.get("key", "")
    done = request.POST.get("done") == "1"
    services.incident_checklist_update(incident=incident, changes=[{"key": key, "done": done}], actor=request.user)
    return "Checklist updated."


def _participant(request, incident: Incident) -> str:
    user = get_user_model().objects.filter(pk=request.POST.get("user") or None,
                                           memberships__organization_id=incident.organization_id).first()
    if user is None:
        raise ApplicationError("Choose a member of this organization.", {"user": ["Not a member."]})
    services.participant_add(incident=incident, user=user, role=request.POST.get("role", ""), actor=request.user)
    return f"{user} added to the war room."


def _note(request, incident: Incident) -> str:
    services.incident_note_add(incident=incident, text=request.POST.get("text", ""), actor=request.user)
    return "Note added to the timeline."


CORE_ACTIONS: dict[str, Handler] = {
    "acknowledge": _acknowledge,
    "transition": _transition,
    "resolve": _resolve,
    "checklist": _checklist,
    "participant": _participant,
    "note": _note,
}


def work_action(name: str) -> Handler | None:
    """The handler of a work action, core or contributed by a panel."""
    if name in CORE_ACTIONS:
        return CORE_ACTIONS[name]
    for panel in PANELS:
        if name in panel.actions:
            return panel.actions[name]
    return None


__all__ = ["PANELS", "Panel", "describe", "register_panel", "work_action", "work_context"]
