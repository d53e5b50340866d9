"""What the Slack app says: channel names, topics, the incident card and its buttons, the modals and
the channel messages for timeline events (Block Kit: https://api.slack.com/block-kit)."""

import re

from django.utils.text import slugify

from comms import conf
from comms.chatops.models import DEFAULT_CHANNEL_PATTERN
from incidents.models import Incident

MAX_CHANNEL_NAME = 80
SEVERITY_CHOICES = ("P0", "P1", "P2", "P3")
BUTTONS = (("incident_ack", "Acknowledge", "primary"), ("incident_resolve", "Resolve", None),
           ("incident_escalate", "Escalate", "danger"), ("incident_update", "Post update", None))


def channel_name(incident: Incident, pattern: str = "") -> str:
    """``incident-42-database-down``: Slack's rules (lowercase letters, digits, ``-`` and ``_``, at
    most 80 characters)."""
    raw = (pattern or DEFAULT_CHANNEL_PATTERN).replace("{number}", str(incident.number)).replace(
        "{severity}", incident.severity.name).replace("{slug}", slugify(incident.title) or "incident")
    name = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-") or f"incident-{incident.number}"
    return with_suffix(name, 0)


def with_suffix(name: str, suffix: int) -> str:
    """The name with ``-2``, ``-3``… when it is taken, still within 80 characters."""
    tail = f"-{suffix}" if suffix else ""
    return name[: MAX_CHANNEL_NAME - len(tail)].rstrip("-") + tail


def incident_link(incident: Incident) -> str:
    return f"{conf.base_url()}/admin/incidents/incident/{incident.pk}/change/"


def status_page_link(incident: Incident) -> str:
    return f"{conf.base_url()}/status/{incident.organization.slug}/"


def commander_text(incident: Incident, mention: str = "") -> str:
    if mention:
        return f"<@{mention}>"
    return str(incident.commander) if incident.commander_id else "nobody yet"


def topic(incident: Incident, commander_mention: str = "") -> str:
    commander = commander_text(incident, commander_mention)
    parts = [f"{incident.severity.name} #{incident.number} {incident.title}", f"IC: {commander}",
             f"Status: {incident.get_status_display()}"]
    if incident.war_room_url:
        parts.append(f"War room: {incident.war_room_url}")
    parts.append(status_page_link(incident))
    return " | ".join(parts)[:250]


def card(incident: Incident, commander_mention: str = "") -> dict:
    """The incident card: what, how bad, who leads, the war room, and the four buttons."""
    fields = [f"*Severity*\n{incident.severity.name}", f"*Status*\n{incident.get_status_display()}",
              f"*Commander*\n{commander_text(incident, commander_mention)}",
              f"*Service*\n{incident.service.name if incident.service_id else '—'}"]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"#{incident.number} {incident.title}"[:150]}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": text} for text in fields]},
    ]
    if incident.war_room_url:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": f":telephone_receiver: War room: {incident.war_room_url}"}})
    blocks.append({"type": "actions", "block_id": "incident_actions", "elements": [
        {"type": "button", "action_id": action, "text": {"type": "plain_text", "text": label},
         "value": str(incident.pk), **({"style": style} if style else {})}
        for action, label, style in BUTTONS]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{incident_link(incident)}|Open in "
                                                                               "Foghorn>"}]})
    return {"text": f"{incident.severity.name} incident #{incident.number}: {incident.title}", "blocks": blocks}


def announcement(incident: Incident, channel_id: str, group_ids: list[str]) -> dict:
    mentions = " ".join(f"<!subteam^{group}>" for group in group_ids)
    where = f" Join <#{channel_id}>." if channel_id else ""
    bridge = f" War room: {incident.war_room_url}" if incident.war_room_url else ""
    text = f":rotating_light: {incident.severity.name} incident #{incident.number}: {incident.title}.{where}{bridge}"
    return {"text": f"{mentions} {text}".strip()}


def _option(value: str, label: str = "") -> dict:
    return {"text": {"type": "plain_text", "text": label or value}, "value": value}


def declare_modal(*, title: str, severity: str, services: list[tuple[int, str]], channel_id: str) -> dict:
    """The modal of ``/incident declare``: title, severity, service, impact."""
    severity_select = {"type": "static_select", "action_id": "value",
                       "options": [_option(name) for name in SEVERITY_CHOICES]}
    if severity in SEVERITY_CHOICES:
        severity_select["initial_option"] = _option(severity)
    blocks = [
        {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
         "element": {"type": "plain_text_input", "action_id": "value", "initial_value": title[:300]}},
        {"type": "input", "block_id": "severity", "label": {"type": "plain_text", "text": "Severity"},
         "element": severity_select},
        {"type": "input", "block_id": "impact", "optional": True,
         "label": {"type": "plain_text", "text": "Impact"},
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True}},
    ]
    if services:
        blocks.insert(2, {"type": "input", "block_id": "service", "optional": True,
                          "label": {"type": "plain_text", "text": "Service"},
                          "element": {"type": "static_select", "action_id": "value",
                                      "options": [_option(str(pk), name[:75]) for pk, name in services[:100]]}})
    return {"type": "modal", "callback_id": "declare_incident", "private_metadata": channel_id,
            "title": {"type": "plain_text", "text": "Declare an incident"},
            "submit": {"type": "plain_text", "text": "Declare"}, "blocks": blocks}


def update_modal(*, incident: Incident, draft: dict) -> dict:
    """The modal of ``/incident update`` and of the card's Post update: the draft, editable."""
    statuses = ("investigating", "fixing", "monitoring", "resolved")
    status = draft.get("status") if draft.get("status") in statuses else "investigating"
    text_fields = (("impact", "Impact"), ("root_cause", "Root cause"), ("eta", "ETA"), ("body", "Message"))
    blocks = [{"type": "input", "block_id": "status", "label": {"type": "plain_text", "text": "Status"},
               "element": {"type": "static_select", "action_id": "value", "initial_option": _option(status),
                           "options": [_option(value) for value in statuses]}}]
    for name, label in text_fields:
        element = {"type": "plain_text_input", "action_id": "value", "multiline": name in ("impact", "body")}
        if draft.get(name):
            element["initial_value"] = str(draft[name])[:3000]
        blocks.append({"type": "input", "block_id": name, "optional": True,
                       "label": {"type": "plain_text", "text": label}, "element": element})
    return {"type": "modal", "callback_id": "post_update", "private_metadata": str(incident.pk),
            "title": {"type": "plain_text", "text": f"Update on #{incident.number}"[:24]},
            "submit": {"type": "plain_text", "text": "Post"}, "blocks": blocks}


def event_message(event, incident: Incident) -> str:
    """What a timeline event says in the incident channel ("" for events the channel does not hear)."""
    payload = event.payload or {}
    who = f" by {event.actor}" if event.actor_id else ""
    kind = event.kind
    if kind in ("acknowledged", "status_changed", "reopened"):
        return f":arrows_counterclockwise: Status: {payload.get('from')} → {payload.get('to')}{who}."
    if kind == "commander_assigned":
        commander = (payload.get("commander") or {}).get("name") or (payload.get("commander") or {}).get("email")
        return f":male-firefighter: {commander} is now the Incident Commander{who}."
    if kind == "resolved":
        cause = payload.get("root_cause") or "not recorded yet"
        return f":white_check_mark: Resolved{who}. Root cause: {cause}. The post-mortem is due within 48 hours."
    if kind == "closed":
        return f":lock: Incident #{incident.number} is closed{who}. Thank you, everyone."
    if kind == "severity_changed":
        return f":warning: Severity: {payload.get('from')} → {payload.get('to')}{who}."
    return ""
