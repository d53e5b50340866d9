"""How comms reacts to incident timeline events (registered in ``CommsConfig.ready``).

Handlers run after commit, at least once (the incidents outbox re-drives them): every service
they call is idempotent."""

from comms.enums import RunState
from comms.services import cadence, paging, realert, status, webhooks
from incidents.enums import IncidentStatus, TimelineKind

TK = TimelineKind
PAGING_KINDS = {TK.INCIDENT_CREATED, TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.RESOLVED, TK.CLOSED,
                TK.SEVERITY_CHANGED, TK.REOPENED}
WEBHOOK_KINDS = {TK.INCIDENT_CREATED, TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.RESOLVED, TK.CLOSED, TK.REOPENED}


def on_paging_event(event) -> None:
    incident = event.incident
    kind = event.kind
    payload = event.payload or {}
    moved = kind in (TK.STATUS_CHANGED, TK.REOPENED)
    if kind == TK.INCIDENT_CREATED or (moved and payload.get("to") == IncidentStatus.TRIGGERED):
        paging.paging_start(incident=incident, trigger_event_id=event.pk)
    elif kind == TK.ACKNOWLEDGED or (moved and payload.get("to") == IncidentStatus.ACKNOWLEDGED):
        actor = f" by {event.actor}" if event.actor_id else ""
        paging.paging_stop(incident=incident, state=RunState.ACKNOWLEDGED, reason=f"acknowledged{actor}")
    elif kind in (TK.RESOLVED, TK.CLOSED) or (moved and payload.get("from") == IncidentStatus.TRIGGERED):
        # Resolved, or moved on without an acknowledgement (e.g. alerts cleared → monitoring).
        paging.paging_stop(incident=incident, state=RunState.CANCELLED, reason=f"incident {payload.get('to', kind)}")
    elif moved and payload.get("system") and (payload.get("from"), payload.get("to")) == (
            IncidentStatus.MONITORING, IncidentStatus.FIXING):
        # A new alert re-opened an acknowledged incident: its owner hears it, nobody escalates.
        realert.paging_realert(incident=incident, event_id=event.pk)
    elif kind == TK.SEVERITY_CHANGED:
        paging.paging_severity_raised(incident=incident)


def on_webhook_event(event) -> None:
    webhooks.webhook_deliveries_create(event=event)


STATUS_KINDS = {TK.STATUS_UPDATE_POSTED, TK.ACKNOWLEDGED, TK.RESOLVED}


def on_status_event(event) -> None:
    """A posted internal or closure update goes to the severity's chat destinations; an acknowledgement
    starts the update cadence (the first update is due one interval later); a resolution offers the
    closure message."""
    if event.kind == TK.STATUS_UPDATE_POSTED:
        status.status_update_deliver(status_update_id=(event.payload or {}).get("status_update_id"))
    elif event.kind == TK.ACKNOWLEDGED:
        cadence.cadence_first_due(incident=event.incident)
    elif event.kind == TK.RESOLVED:
        status.status_closure_offer(incident=event.incident)
