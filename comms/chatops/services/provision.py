"""What the Slack app does when the incident timeline moves (called by the outbox handler, at least once:
every row it writes has a key derived from the incident or the event, so a re-drive writes nothing new).

A new incident of a channel severity gets, in this order: its war room (a static bridge at once, or a
Zoom meeting row), the channel, its topic, the invitations, the card and the announcement. Later events
post into the channel, re-invite on new people and refresh the topic on a new commander."""

import logging

from django.db import transaction

from comms.chatops import messages, selectors
from comms.chatops.enums import ActionKind, WarRoomMode
from comms.chatops.services.actions import action_write
from comms.chatops.services.performers import war_room_set
from comms.models import StatusUpdate
from incidents.enums import TimelineKind
from incidents.models import Incident, TimelineEvent

logger = logging.getLogger(__name__)
K = ActionKind
TK = TimelineKind
MESSAGE_KINDS = {TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.REOPENED, TK.RESOLVED, TK.CLOSED, TK.COMMANDER_ASSIGNED,
                 TK.SEVERITY_CHANGED}
PEOPLE_KINDS = {TK.COMMANDER_ASSIGNED, TK.PARTICIPANT_ADDED}
# Events that change what the topic and the card show (status, commander, severity, war room).
CARD_KINDS = {TK.COMMANDER_ASSIGNED, TK.ACKNOWLEDGED, TK.STATUS_CHANGED, TK.REOPENED, TK.RESOLVED, TK.CLOSED,
              TK.SEVERITY_CHANGED}


def key(incident: Incident, name: str) -> str:
    return f"inc:{incident.pk}:{name}"


def static_bridge(template: str, incident: Incident) -> str:
    """The org's static bridge with {number}, {org} and {slug} filled (a Jitsi room per incident)."""
    return (template.replace("{number}", str(incident.number)).replace("{org}", incident.organization.slug)
            .replace("{slug}", messages.channel_name(incident, "{slug}")))


def _war_room(incident: Incident, chatops) -> list[str]:
    """Start the war room of a P0/P1 (the severity's flag). Returns the keys the card must wait for."""
    if not incident.severity.war_room or incident.war_room_url:
        if incident.severity.war_room and incident.war_room_url:
            war_room_set(incident=incident, url=incident.war_room_url)
        return []
    if chatops.war_room_mode == WarRoomMode.STATIC and chatops.war_room_url:
        war_room_set(incident=incident, url=static_bridge(chatops.war_room_url, incident))
        return []
    if chatops.war_room_mode == WarRoomMode.ZOOM:
        action_write(organization_id=incident.organization_id, incident_id=incident.pk, kind=K.WAR_ROOM,
                     key=key(incident, "war_room"))
        return [key(incident, "war_room")]
    return []


def _wants_channel(incident: Incident, chatops) -> bool:
    return incident.severity.name in (chatops.channel_severities or [])


@transaction.atomic
def incident_provision(*, incident: Incident) -> int:
    """War room, channel, topic, invitations, card, announcement (rows; each performed after commit)."""
    chatops = selectors.settings_for(organization_id=incident.organization_id)
    war_room_keys = _war_room(incident, chatops)
    workspace = selectors.workspace_for(organization_id=incident.organization_id)
    if workspace is None or not _wants_channel(incident, chatops):
        return 0
    channel = key(incident, "channel")
    rows = [
        (K.CREATE_CHANNEL, channel, {"name": messages.channel_name(incident, chatops.channel_name_pattern)}, []),
        (K.SET_TOPIC, key(incident, "topic"), {}, [channel, *war_room_keys]),
        (K.INVITE, key(incident, "invite"), {}, [channel]),
        (K.POST_CARD, key(incident, "card"), {}, [channel, *war_room_keys]),
        (K.ANNOUNCE, key(incident, "announce"), {}, [channel, *war_room_keys]),
    ]
    return sum(action_write(organization_id=incident.organization_id, incident_id=incident.pk, kind=kind,
                            key=row_key, payload=payload, requires=requires)
               for kind, row_key, payload, requires in rows)


def _has_channel(incident: Incident) -> bool:
    from comms.chatops.models import SlackAction

    return SlackAction.objects.filter(idempotency_key=key(incident, "channel")).exists()


def _update_text(event: TimelineEvent) -> str:
    update = StatusUpdate.objects.filter(pk=(event.payload or {}).get("status_update_id"),
                                         organization_id=event.organization_id).first()
    if update is None:
        return ""
    return f":memo: *{update.get_audience_display()} update — {update.get_status_display()}*\n{update.body}"


def _message_for(event: TimelineEvent, incident: Incident) -> str:
    if event.kind == TK.STATUS_UPDATE_POSTED:
        return _update_text(event)
    if event.kind in MESSAGE_KINDS:
        return messages.event_message(event, incident)
    return ""


@transaction.atomic
def incident_event_relay(*, event: TimelineEvent) -> int:
    """Post a timeline event into the incident's channel; invite new people; refresh the topic."""
    incident = event.incident
    if event.kind == TK.INCIDENT_CREATED:
        return incident_provision(incident=incident)
    if event.kind == TK.SEVERITY_CHANGED and not _has_channel(incident):
        # Raised into a channel severity (or a war-room one): provision now, as if new.
        written = incident_provision(incident=incident)
        if written:
            return written
    if not _has_channel(incident):
        return 0
    channel = [key(incident, "channel")]
    base = {"organization_id": incident.organization_id, "incident_id": incident.pk}
    written = 0
    text = _message_for(event, incident)
    if text:
        written += action_write(**base, kind=K.POST_MESSAGE, key=f"ev:{event.pk}:message", payload={"text": text},
                                requires=channel)
    if event.kind in PEOPLE_KINDS or (event.payload or {}).get("commander_assigned"):
        written += action_write(**base, kind=K.INVITE, key=f"ev:{event.pk}:invite", requires=channel)
    if event.kind in CARD_KINDS:
        written += action_write(**base, kind=K.SET_TOPIC, key=f"ev:{event.pk}:topic", requires=channel)
        written += action_write(**base, kind=K.UPDATE_CARD, key=f"ev:{event.pk}:card",
                                requires=[*channel, key(incident, "card")])
    return written
