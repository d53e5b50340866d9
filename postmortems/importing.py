"""How the incident's timeline events and status updates read as post-mortem timeline lines."""

from comms.models import StatusUpdate
from incidents.enums import TimelineKind as TK
from incidents.models import Incident, TimelineEvent

# Events of the paging machinery (every page, every email) stay in the incident's audit log only.
SKIPPED_KINDS = {TK.PAGED, TK.ESCALATED, TK.NOTIFICATION_SENT, TK.NOTIFICATION_FAILED, TK.PAGING_DEFERRED,
                 TK.CHECKLIST_UPDATED, TK.STATUS_UPDATE_POSTED, TK.POSTMORTEM_CREATED, TK.SYSTEM}


def _by(event: TimelineEvent) -> str:
    return f" ({event.actor.name or event.actor.email})" if event.actor_id else ""


def _labelled(label: str, text: str | None) -> str:
    return f"{label}: {text}" if text else label


def _moved(payload: dict) -> str:
    line = f"Status {payload.get('from')} → {payload.get('to')}"
    return f"{line}: {payload['note']}" if payload.get("note") else line


def event_text(event: TimelineEvent) -> str:
    """One readable line for an event (the kind's label and what its payload says)."""
    payload = event.payload or {}
    kind = event.kind
    texts = {
        TK.INCIDENT_CREATED: lambda: f"Incident opened: {payload.get('title', '')}",
        TK.ALERT_RECEIVED: lambda: _labelled("Alert received", payload.get("summary") or payload.get("title")),
        TK.ACKNOWLEDGED: lambda: f"Acknowledged{_by(event)}",
        TK.STATUS_CHANGED: lambda: _moved(payload),
        TK.REOPENED: lambda: _moved(payload),
        TK.SEVERITY_CHANGED: lambda: f"Severity {payload.get('from')} → {payload.get('to')}",
        TK.COMMANDER_ASSIGNED: lambda: _labelled("Commander", (payload.get("commander") or {}).get("name")),
        TK.NOTE: lambda: f"Note{_by(event)}: {payload.get('text', '')}",
        TK.ACTION_TAKEN: lambda: f"Action ({payload.get('kind', '')}){_by(event)}: {payload.get('description', '')}",
        TK.RESOLVED: lambda: _labelled(f"Resolved{_by(event)}", payload.get("root_cause")),
        TK.CLOSED: lambda: "Incident closed",
    }
    text = texts[kind]() if kind in texts else TK(kind).label if kind in TK.values else kind
    return text[:1000]


def imported_lines(incident: Incident) -> list[tuple]:
    """``(at, text, timeline_event_id)`` for the incident's events and status updates, oldest first."""
    events = (TimelineEvent.objects.filter(incident=incident).exclude(kind__in=SKIPPED_KINDS)
              .select_related("actor").order_by("at", "id"))
    lines = [(event.at, event_text(event), event.pk) for event in events]
    updates = StatusUpdate.objects.filter(incident=incident).order_by("posted_at", "id")
    lines += [(update.posted_at, f"{update.get_audience_display()} update: {update.get_status_display().upper()}"
               f" — {update.title}"[:1000], None) for update in updates]
    return sorted(lines, key=lambda line: line[0])
