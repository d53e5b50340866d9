"""What each ledger row does at Slack or Zoom (``perform``, outside any transaction) and what its
success writes (``after``, in the transaction that records it). ``perform`` returns the result to
keep, or None when there is nothing to do (the row is skipped)."""

import re

from comms.chatops import client, messages, selectors
from comms.chatops.client import CallFailed
from comms.chatops.enums import ActionKind, WarRoomMode
from comms.chatops.models import IncidentChannel, SlackAction, SlackWorkspace
from comms.chatops.services import people
from incidents import services as incident_services
from incidents.models import Incident

K = ActionKind
MAX_SUFFIX = 20
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
METADATA_TYPE = "foghorn_action"


def _incident(action: SlackAction) -> Incident:
    return Incident.objects.select_related("severity", "service", "commander", "organization").get(
        pk=action.incident_id, organization_id=action.organization_id)


def _channel(action: SlackAction) -> IncidentChannel:
    channel = IncidentChannel.objects.filter(incident_id=action.incident_id,
                                             organization_id=action.organization_id).first()
    if channel is None:
        raise CallFailed("The incident has no Slack channel.", permanent=True)
    return channel


def _metadata(action: SlackAction) -> dict:
    return {"event_type": METADATA_TYPE, "event_payload": {"key": action.idempotency_key}}


def _already_posted(token: str, channel_id: str, action: SlackAction) -> str:
    """On a retry, the ts of the message this row already posted (its answer was lost), or ""."""
    if action.attempts <= 1 or not CHANNEL_ID.match(channel_id):
        return ""
    data = client.call(token, "conversations.history", channel=channel_id, limit=100, include_all_metadata=True)
    for message in data.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (metadata.get("event_payload") or {}).get("key") == action.idempotency_key:
            return message.get("ts", "")
    return ""


def _post(workspace: SlackWorkspace, action: SlackAction, channel: str, message: dict) -> dict:
    token = workspace.bot_token
    found = _already_posted(token, channel, action)
    if found:
        return {"ts": found, "channel": channel, "found_on_retry": True}
    data = client.call(token, "chat.postMessage", channel=channel, metadata=_metadata(action),
                       unfurl_links=False, **message)
    return {"ts": data.get("ts", ""), "channel": data.get("channel", channel)}


def _own_channel_named(workspace: SlackWorkspace, name: str) -> dict | None:
    """A channel of this name our bot created (a retry after ``conversations.create``'s answer was lost)."""
    data = client.call(workspace.bot_token, "conversations.list", types="public_channel", exclude_archived=True,
                       limit=1000)
    for channel in data.get("channels") or []:
        if channel.get("name") == name and channel.get("creator") == workspace.bot_user_id:
            return channel
    return None


def create_channel(action: SlackAction, workspace: SlackWorkspace) -> dict:
    base = action.payload["name"]
    for suffix in [0, *range(2, MAX_SUFFIX + 1)]:
        name = messages.with_suffix(base, suffix)
        try:
            channel = client.call(workspace.bot_token, "conversations.create", name=name,
                                  is_private=False)["channel"]
        except CallFailed as exc:
            if exc.error != "name_taken":
                raise
            channel = _own_channel_named(workspace, name) if action.attempts > 1 else None
            if channel is None:
                continue
        return {"channel_id": channel["id"], "name": channel["name"], "team_id": workspace.team_id}
    raise CallFailed(f"Every name from {base} to -{MAX_SUFFIX} is taken.", permanent=True)


def set_topic(action: SlackAction, workspace: SlackWorkspace) -> dict:
    incident, channel = _incident(action), _channel(action)
    mention = people.slack_id_for(workspace=workspace, user=incident.commander)
    text = messages.topic(incident, mention)
    client.call(workspace.bot_token, "conversations.setTopic", channel=channel.channel_id, topic=text)
    return {"topic": text}


def invite(action: SlackAction, workspace: SlackWorkspace) -> dict | None:
    """The commander and every participant (now, not when the row was written) found by email."""
    incident, channel = _incident(action), _channel(action)
    users = [incident.commander, *(participant.user for participant in incident.participants.select_related("user"))]
    ids = sorted({people.slack_id_for(workspace=workspace, user=user) for user in users if user} - {""})
    ids = [slack_id for slack_id in ids if slack_id != workspace.bot_user_id]
    if not ids:
        return None
    try:
        client.call(workspace.bot_token, "conversations.invite", channel=channel.channel_id, users=",".join(ids),
                    force=True)
    except CallFailed as exc:
        if exc.error != "already_in_channel":
            raise
    return {"users": ids}


def post_card(action: SlackAction, workspace: SlackWorkspace) -> dict:
    incident, channel = _incident(action), _channel(action)
    mention = people.slack_id_for(workspace=workspace, user=incident.commander)
    return _post(workspace, action, channel.channel_id, messages.card(incident, mention))


def update_card(action: SlackAction, workspace: SlackWorkspace) -> dict | None:
    """``chat.update`` of the card with the incident as it is now (doing it twice changes nothing)."""
    incident, channel = _incident(action), _channel(action)
    if not channel.card_ts:
        return None
    mention = people.slack_id_for(workspace=workspace, user=incident.commander)
    message = messages.card(incident, mention)
    client.call(workspace.bot_token, "chat.update", channel=channel.channel_id, ts=channel.card_ts, **message)
    return {"ts": channel.card_ts}


def _group_ids(workspace: SlackWorkspace, handles: list[str]) -> list[str]:
    if not handles:
        return []
    wanted = {handle.lstrip("@").lower() for handle in handles}
    data = client.call(workspace.bot_token, "usergroups.list")
    return [group["id"] for group in data.get("usergroups") or [] if (group.get("handle") or "").lower() in wanted]


def announce(action: SlackAction, workspace: SlackWorkspace) -> dict | None:
    chatops = selectors.settings_for(organization_id=action.organization_id)
    if not chatops.announcement_channel:
        return None
    incident = _incident(action)
    channel = IncidentChannel.objects.filter(incident=incident).first()
    groups = _group_ids(workspace, (chatops.stakeholder_groups or {}).get(incident.severity.name, []))
    message = messages.announcement(incident, channel.channel_id if channel else "", groups)
    result = _post(workspace, action, chatops.announcement_channel.lstrip("#") if CHANNEL_ID.match(
        chatops.announcement_channel.lstrip("#")) else chatops.announcement_channel, message)
    return {**result, "groups": groups}


def post_message(action: SlackAction, workspace: SlackWorkspace) -> dict:
    channel = _channel(action)
    return _post(workspace, action, channel.channel_id, {"text": action.payload["text"]})


def war_room(action: SlackAction, workspace: SlackWorkspace | None) -> dict | None:
    chatops = selectors.settings_for(organization_id=action.organization_id)
    incident = _incident(action)
    if chatops.war_room_mode != WarRoomMode.ZOOM or incident.war_room_url:
        return None
    if not client.zoom_configured():
        raise CallFailed("Zoom is not configured (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET).",
                         permanent=True)
    meeting = client.zoom_meeting_create(topic=f"{incident.severity.name} incident #{incident.number}: "
                                               f"{incident.title}", agenda=incident.description)
    return {"meeting_id": meeting.id, "join_url": meeting.join_url}


def respond(action: SlackAction, workspace: SlackWorkspace | None) -> dict:
    payload = action.payload
    client.respond(payload["response_url"], text=payload["text"],
                   response_type=payload.get("response_type", "ephemeral"), replace_original=False)
    return {}


PERFORMERS = {K.CREATE_CHANNEL: create_channel, K.SET_TOPIC: set_topic, K.INVITE: invite, K.POST_CARD: post_card,
              K.ANNOUNCE: announce, K.POST_MESSAGE: post_message, K.UPDATE_CARD: update_card, K.WAR_ROOM: war_room,
              K.RESPOND: respond}
NEEDS_WORKSPACE = set(PERFORMERS) - {K.WAR_ROOM, K.RESPOND}


def perform(action: SlackAction) -> dict | None:
    workspace = selectors.workspace_for(organization_id=action.organization_id)
    if workspace is None and action.kind in NEEDS_WORKSPACE:
        return None  # the app was uninstalled meanwhile: nothing to post to
    return PERFORMERS[action.kind](action, workspace)


def _after_channel(action: SlackAction) -> None:
    result = action.result
    incident = _incident(action)
    IncidentChannel.objects.get_or_create(incident=incident, defaults={
        "organization_id": action.organization_id, "team_id": result["team_id"], "channel_id": result["channel_id"],
        "name": result["name"]})
    incident_services.incident_checklist_update(incident=incident, changes=[{"key": "create_channel", "done": True}])


def _after_card(action: SlackAction) -> None:
    IncidentChannel.objects.filter(incident_id=action.incident_id).update(card_ts=action.result.get("ts", ""))


def _after_announce(action: SlackAction) -> None:
    incident_services.incident_checklist_update(incident=_incident(action),
                                                changes=[{"key": "notify_stakeholders", "done": True}])


def _after_war_room(action: SlackAction) -> None:
    war_room_set(incident=_incident(action), url=action.result["join_url"])


def war_room_set(*, incident: Incident, url: str) -> None:
    """Put the bridge on the incident (the incident API shows it) and tick "Start war room"."""
    if not incident.war_room_url:
        incident = incident_services.incident_update_details(incident=incident, war_room_url=url)
    incident_services.incident_checklist_update(incident=incident, changes=[{"key": "start_war_room", "done": True}])


AFTER = {K.CREATE_CHANNEL: _after_channel, K.POST_CARD: _after_card, K.ANNOUNCE: _after_announce,
         K.WAR_ROOM: _after_war_room}


def after(action: SlackAction) -> None:
    follow_up = AFTER.get(action.kind)
    if follow_up is not None:
        follow_up(action)
