"""How the Slack app reacts to incident timeline events (registered in ``ChatOpsConfig.ready``).
At least once: ``provision`` writes rows keyed by incident or event, so a re-drive adds nothing."""

from comms.chatops.services import provision
from incidents.enums import TimelineKind

TK = TimelineKind
KINDS = {TK.INCIDENT_CREATED, TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.REOPENED, TK.RESOLVED, TK.CLOSED,
         TK.COMMANDER_ASSIGNED, TK.PARTICIPANT_ADDED, TK.SEVERITY_CHANGED, TK.STATUS_UPDATE_POSTED}


def on_timeline_event(event) -> None:
    provision.incident_event_relay(event=event)
