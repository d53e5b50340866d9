"""Buttons and modals: what ``/integrations/slack/interactivity`` does with a verified payload, and the
modals of ``/incident declare`` and ``/incident update`` (opened at once: a trigger id lives 3 s)."""

import logging
import uuid

from comms.chatops import client, messages, selectors, updates, verify
from comms.chatops.client import CallFailed
from comms.chatops.enums import ActionKind
from comms.chatops.models import SlackWorkspace
from comms.chatops.services import commands, inbound
from comms.chatops.services.actions import action_write
from comms.enums import Audience
from incidents.models import Service
from tenancy.errors import ApplicationError

logger = logging.getLogger(__name__)


def _open(workspace: SlackWorkspace, trigger_id: str, view: dict) -> str:
    try:
        client.call(workspace.bot_token, "views.open", trigger_id=trigger_id, view=view,
                    seconds=client.INTERACTIVE_TIMEOUT)
    except CallFailed as exc:
        return f"Could not open the form: {exc}"
    return ""


def open_modal(workspace: SlackWorkspace, verb: str, args: str, trigger_id: str, channel_id: str,
               incident_id: str = "") -> str:
    """Open the declare or update modal. Returns "" or what to tell the user instead."""
    if verb == "declare":
        words = args.split()
        severity = words[-1].upper() if words and words[-1].upper() in messages.SEVERITY_CHOICES else ""
        title = " ".join(words[:-1] if severity else words)
        services = list(Service.objects.filter(organization_id=workspace.organization_id).order_by("name")
                        .values_list("pk", "name"))
        return _open(workspace, trigger_id, messages.declare_modal(title=title, severity=severity or "P2",
                                                                   services=services, channel_id=channel_id))
    request = commands.Request(workspace=workspace, user=None, channel_id=channel_id, verb=verb, args=args,
                               incident_id=incident_id)
    try:
        incident = commands.incident_of(request)
    except ApplicationError as exc:
        return exc.message
    draft = updates.draft(incident=incident, audience=Audience.INTERNAL)
    return _open(workspace, trigger_id, messages.update_modal(incident=incident, draft=draft))


def _refuse_button(workspace: SlackWorkspace, payload: dict, text: str) -> None:
    if payload.get("response_url"):
        action_write(organization_id=workspace.organization_id, incident_id=None, kind=ActionKind.RESPOND,
                     key=f"refusal:{payload.get('trigger_id') or uuid.uuid4().hex}",
                     payload={"response_url": payload["response_url"], "text": text})


def _button(workspace: SlackWorkspace, payload: dict) -> None:
    action = (payload.get("actions") or [{}])[0]
    action_id, value = action.get("action_id", ""), str(action.get("value", ""))
    _user, refusal = verify.member_or_refusal(workspace, (payload.get("user") or {}).get("id", ""))
    if refusal:
        _refuse_button(workspace, payload, refusal)
        return
    if selectors.incident_in_org(organization_id=workspace.organization_id, incident_id=value) is None:
        _refuse_button(workspace, payload, "No such incident in this organization.")
        return
    channel_id = (payload.get("channel") or {}).get("id", "")
    if action_id == "incident_update":
        text = open_modal(workspace, "update", "", payload.get("trigger_id", ""), channel_id, incident_id=value)
        if text:
            _refuse_button(workspace, payload, text)
        return
    verb = commands.BUTTONS.get(action_id)
    if verb is None:
        return
    inbound.inbound_store(workspace=workspace, key=f"btn:{payload.get('trigger_id') or uuid.uuid4().hex}",
                          kind="command",
                          payload={"verb": verb, "args": "", "channel_id": channel_id, "incident_id": value,
                                   "user_id": (payload.get("user") or {}).get("id", ""),
                                   "response_url": payload.get("response_url", "")})


def _values(view: dict) -> dict:
    """``{block_id: value}`` of a submitted modal (text inputs and selects)."""
    found = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        element = (actions or {}).get("value") or {}
        option = element.get("selected_option") or {}
        found[block_id] = (option.get("value") if option else element.get("value")) or ""
    return found


def _errors(block: str, message: str) -> dict:
    return {"response_action": "errors", "errors": {block: message[:150]}}


def _submit(workspace: SlackWorkspace, payload: dict) -> dict | None:
    view = payload.get("view") or {}
    callback = view.get("callback_id")
    first_block = "title" if callback == "declare_incident" else "status"
    user, refusal = verify.member_or_refusal(workspace, (payload.get("user") or {}).get("id", ""))
    if refusal:
        return _errors(first_block, refusal)
    values = _values(view)
    try:
        if callback == "declare_incident":
            commands.declare(workspace=workspace, user=user, title=values.get("title", ""),
                             severity=values.get("severity", ""), service_id=values.get("service", ""),
                             impact=values.get("impact", ""))
        elif callback == "post_update":
            incident = selectors.incident_in_org(organization_id=workspace.organization_id,
                                                 incident_id=view.get("private_metadata", ""))
            if incident is None:
                return _errors(first_block, "No such incident in this organization.")
            updates.post(incident=incident, audience=Audience.INTERNAL, posted_by=user,
                         status=values.get("status", ""), impact=values.get("impact") or None,
                         root_cause=values.get("root_cause") or None, eta=values.get("eta") or None,
                         body=values.get("body") or None)
    except ApplicationError as exc:
        field = next(iter(exc.errors), first_block)
        return _errors(field if field in values else first_block, exc.message)
    return None


def handle(workspace: SlackWorkspace, payload: dict) -> dict | None:
    kind = payload.get("type")
    if kind == "block_actions":
        _button(workspace, payload)
    elif kind == "view_submission":
        return _submit(workspace, payload)
    return None
