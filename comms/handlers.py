"""How comms reacts to incident timeline events (registered in ``CommsConfig.ready``).

Handlers run after commit, at least once (the incidents outbox re-drives them): every service
they call is idempotent."""

from comms.enums import RunState
from comms.services import paging, webhooks
from incidents.enums import IncidentStatus, TimelineKind

TK = TimelineKind
PAGING_KINDS = {TK.INCIDENT_CREATED, TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.RESOLVED, TK.CLOSED,
                TK.SEVERITY_CHANGED, TK.REOPENED}
WEBHOOK_KINDS = {TK.INCIDENT_CREATED, TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.RESOLVED, TK.CLOSED, TK.REOPENED}


def on_paging_event(event) -> None:
    incident = event.incident
    kind = event.kind
    payload = event.payload or {}
    if kind == TK.INCIDENT_CREATED:
        paging.paging_start(incident=incident)
    elif kind in (TK.RESOLVED, TK.CLOSED):
        paging.paging_stop(incident=incident, state=RunState.CANCELLED, reason=f"incident {kind}")
    elif kind == TK.ACKNOWLEDGED or (kind in (TK.STATUS_CHANGED, TK.REOPENED)
                                     and payload.get("from") == IncidentStatus.TRIGGERED):
        actor = f" by {event.actor}" if event.actor_id else ""
        paging.paging_stop(incident=incident, state=RunState.ACKNOWLEDGED, reason=f"acknowledged{actor}")
    elif kind == TK.SEVERITY_CHANGED:
        paging.paging_severity_raised(incident=incident)


def on_webhook_event(event) -> None:
    webhooks.webhook_deliveries_create(event=event)
