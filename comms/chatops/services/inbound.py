"""Verified requests from Slack, kept as ``SlackInbound`` rows and handled by a worker.

The web view only verifies, stores the row (its key: the event id or the trigger id, so Slack's
retries are one row) and answers within Slack's 3 seconds; ``inbound_handle`` does the work. The row
is the schedule: a lost nudge or a dead worker leaves it undone, and the ticker hands it out again."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from comms import conf
from comms.chatops import client, nudge, selectors
from comms.chatops.client import CallFailed
from comms.chatops.enums import ActionKind
from comms.chatops.models import SlackInbound, SlackWorkspace
from comms.chatops.services import commands, install, people
from comms.chatops.services.actions import action_write

logger = logging.getLogger(__name__)
REDRIVE_AFTER = timedelta(seconds=30)
BATCH = 100
UNINSTALL_EVENTS = {"app_uninstalled", "tokens_revoked"}


def inbound_store(*, workspace: SlackWorkspace, key: str, kind: str, payload: dict) -> bool:
    """Keep the request for the worker (once per key). True when new."""
    with transaction.atomic():
        row, created = SlackInbound.objects.get_or_create(key=key, defaults={
            "organization_id": workspace.organization_id, "team_id": workspace.team_id, "kind": kind,
            "payload": payload})
        if created:
            nudge.inbound_on_commit(row.pk)
    return created


def _claim(inbound_id: int) -> SlackInbound | None:
    with transaction.atomic():
        row = SlackInbound.objects.select_for_update(skip_locked=True).filter(pk=inbound_id,
                                                                              done_at__isnull=True).first()
        if row is None:
            return None
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return row


def _respond(row: SlackInbound, text: str, incident_id: int | None = None) -> None:
    response_url = row.payload.get("response_url", "")
    if response_url and text:
        action_write(organization_id=row.organization_id, incident_id=incident_id, kind=ActionKind.RESPOND,
                     key=f"inbound:{row.pk}:respond", payload={"response_url": response_url, "text": text})


def _command(row: SlackInbound, workspace: SlackWorkspace) -> None:
    payload = row.payload
    user = selectors_member(workspace, payload.get("user_id", ""))
    request = commands.Request(workspace=workspace, user=user, channel_id=payload.get("channel_id", ""),
                               verb=payload.get("verb", ""), args=payload.get("args", ""),
                               incident_id=payload.get("incident_id", ""))
    _respond(row, commands.command_run(request=request))


def selectors_member(workspace: SlackWorkspace, slack_user_id: str):
    """The member the view already matched (refusals never reach the worker)."""
    return people.slack_user_resolve(workspace=workspace, slack_user_id=slack_user_id).user


def _message_of(workspace: SlackWorkspace, event: dict) -> tuple[str, str, str, str]:
    """(channel, ts, text, author) of a pin or a :pushpin: reaction (fetched: reactions carry no text)."""
    if event.get("type") == "pin_added":
        item = event.get("item") or {}
        message = item.get("message") or {}
        return item.get("channel", event.get("channel_id", "")), message.get("ts", ""), message.get(
            "text", ""), message.get("user", "")
    item = event.get("item") or {}
    channel, ts = item.get("channel", ""), item.get("ts", "")
    data = client.call(workspace.bot_token, "conversations.history", channel=channel, latest=ts, inclusive=True,
                       limit=1)
    message = next((m for m in data.get("messages") or [] if m.get("ts") == ts), {})
    return channel, ts, message.get("text", ""), message.get("user", "")


def _pin(row: SlackInbound, workspace: SlackWorkspace) -> None:
    event = row.payload
    if event.get("type") == "reaction_added" and (event.get("reaction") != "pushpin" or
                                                  (event.get("item") or {}).get("type") != "message"):
        return
    channel, ts, text, author_id = _message_of(workspace, event)
    if selectors.incident_for_channel(organization_id=workspace.organization_id, channel_id=channel) is None:
        return
    author = people.slack_user_resolve(workspace=workspace, slack_user_id=author_id).user if author_id else None
    commands.pin_note(workspace=workspace, channel_id=channel, ts=ts, text=text, author_id=author_id, author=author)


HANDLERS = {"command": _command, "pin_added": _pin, "reaction_added": _pin}


def inbound_handle(*, inbound_id: int) -> str:
    """Do one stored request. Returns ``done``, ``retry`` or ``noop``."""
    row = _claim(inbound_id)
    if row is None:
        return "noop"
    if row.kind in UNINSTALL_EVENTS:
        install.slack_team_uninstalled(team_id=row.team_id)
        return _finish(row.pk)
    workspace = selectors.workspace_for_team(team_id=row.team_id)
    handler = HANDLERS.get(row.kind)
    if workspace is None or workspace.organization_id != row.organization_id or handler is None:
        return _finish(row.pk)
    try:
        with transaction.atomic():
            locked = SlackInbound.objects.select_for_update().get(pk=row.pk)
            if locked.done_at is not None:
                return "noop"
            handler(locked, workspace)
            locked.done_at = timezone.now()
            locked.save(update_fields=["done_at"])
    except CallFailed as exc:
        return _failed(row, str(exc), give_up=exc.permanent)
    return "done"


def _finish(inbound_id: int, error: str = "") -> str:
    SlackInbound.objects.filter(pk=inbound_id, done_at__isnull=True).update(done_at=timezone.now(),
                                                                            last_error=error[:2000])
    return "done"


def _failed(row: SlackInbound, error: str, *, give_up: bool) -> str:
    if give_up or row.attempts >= conf.max_attempts():
        logger.warning("slack request given up", extra={"inbound_id": row.pk, "kind": row.kind})
        return _finish(row.pk, error)
    SlackInbound.objects.filter(pk=row.pk).update(last_error=error[:2000])
    return "retry"


def inbound_tick(*, now=None) -> int:
    """Beat: hand out again requests received a while ago and not done (a lost nudge, a dead worker)."""
    now = now or timezone.now()
    due = list(SlackInbound.objects.filter(done_at__isnull=True, received_at__lte=now - REDRIVE_AFTER)
               .order_by("received_at").values_list("pk", flat=True)[:BATCH])
    for inbound_id in due:
        nudge.inbound_on_commit(inbound_id)
    return len(due)
