"""The ledger of Slack and Zoom side effects (``SlackAction``): write, claim, perform, record, tick.

A row is written with its unique key inside the transaction that decided it (an outbox handler, a
command), performed after commit by one worker at a time (claimed with a lease), and recorded: done,
retried (Slack's ``Retry-After``, else exponential back-off) or given up. A row waits until every key in
its ``requires`` is finished (the card waits for its channel); finishing nudges the rows waiting on it.
Messages carry their key in Slack message metadata, so a retry after a lost answer finds the message
already posted instead of posting it twice (``performers``)."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from comms import conf
from comms.chatops import nudge
from comms.chatops.client import CallFailed
from comms.chatops.enums import FINISHED_STATES, ActionState
from comms.chatops.models import SlackAction
from comms.chatops.services import performers

logger = logging.getLogger(__name__)
S = ActionState
BATCH = 200


def action_write(*, organization_id: int, incident_id: int | None, kind: str, key: str, payload: dict | None = None,
                 requires: list[str] | tuple = ()) -> bool:
    """Write the row unless its key exists (call inside the deciding transaction). True if new."""
    now = timezone.now()
    action, created = SlackAction.objects.get_or_create(idempotency_key=key, defaults={
        "organization_id": organization_id, "incident_id": incident_id, "kind": kind, "payload": payload or {},
        "requires": list(requires), "next_attempt_at": now, "nudged_at": now})
    if created:
        nudge.action_on_commit(action.pk)
    return created


def _blocked(action: SlackAction) -> bool:
    if not action.requires:
        return False
    return SlackAction.objects.filter(idempotency_key__in=action.requires).exclude(state__in=FINISHED_STATES).exists()


def _claim(action_id: int, now: datetime) -> SlackAction | None:
    with transaction.atomic():
        action = (SlackAction.objects.select_for_update(of=("self",))
                  .select_related("organization").filter(pk=action_id).first())
        if action is None or action.state != S.PENDING or action.next_attempt_at > now:
            return None
        if _blocked(action):
            # Woken by the row it waits for (``_nudge_waiting``); the ticker only checks now and then.
            action.next_attempt_at = now + timedelta(seconds=conf.send_lease_seconds())
            action.save(update_fields=["next_attempt_at"])
            return None
        action.attempts += 1
        # Nobody else performs it until the lease passes (a killed worker's row is performed again then).
        action.next_attempt_at = now + timedelta(seconds=conf.send_lease_seconds())
        action.save(update_fields=["attempts", "next_attempt_at"])
        return action


def action_perform(*, action_id: int, now: datetime | None = None) -> str:
    """Perform one due row. Returns ``done``, ``skipped``, ``retry``, ``failed`` or ``noop``. The call is
    made outside any transaction; its outcome and follow-ups commit together."""
    now = now or timezone.now()
    action = _claim(action_id, now)
    if action is None:
        return "noop"
    try:
        result = performers.perform(action)
    except CallFailed as exc:
        return _record_failure(action.pk, exc)
    except Exception as exc:  # a bug must not leave the row claimed until its lease ends without a word
        logger.exception("chatops action crashed", extra={"action_id": action.pk})
        return _record_failure(action.pk, CallFailed(f"internal error: {exc!r}"))
    return _record_done(action.pk, result)


def _nudge_waiting(action: SlackAction) -> None:
    if action.incident_id is None:
        return
    # Filtered here, not with a JSON ``contains`` lookup: SQLite (the run command's default) has none.
    waiting = SlackAction.objects.filter(incident_id=action.incident_id, state=S.PENDING).values_list("pk", "requires")
    woken = [waiting_id for waiting_id, requires in waiting if action.idempotency_key in (requires or [])]
    SlackAction.objects.filter(pk__in=woken).update(next_attempt_at=timezone.now(), nudged_at=timezone.now())
    for waiting_id in woken:
        nudge.action_on_commit(waiting_id)


@transaction.atomic
def _record_done(action_id: int, result: dict | None) -> str:
    action = SlackAction.objects.select_for_update().select_related("organization").get(pk=action_id)
    if action.state != S.PENDING:
        return "noop"
    skipped = result is None
    action.state = S.SKIPPED if skipped else S.DONE
    action.result = result or {}
    action.done_at = timezone.now()
    action.last_error = ""
    action.save()
    if not skipped:
        performers.after(action)
    _nudge_waiting(action)
    return action.state


def _backoff(attempts: int) -> float:
    return conf.retry_base_seconds() * (2 ** max(0, attempts - 1))


@transaction.atomic
def _record_failure(action_id: int, exc: CallFailed) -> str:
    action = SlackAction.objects.select_for_update().get(pk=action_id)
    if action.state != S.PENDING:
        return "noop"
    action.last_error = str(exc)[:2000]
    if exc.permanent or (exc.retry_after is None and action.attempts >= conf.max_attempts()):
        action.state = S.FAILED
        action.done_at = timezone.now()
        action.save()
        logger.warning("chatops action given up", extra={"action_id": action.pk, "kind": action.kind})
        _nudge_waiting(action)
        return "failed"
    delay = exc.retry_after if exc.retry_after is not None else _backoff(action.attempts)
    action.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    action.nudged_at = None
    action.save()
    nudge.action_on_commit(action.pk, countdown=delay)
    logger.info("chatops action retried", extra={"action_id": action.pk, "delay": delay})
    return "retry"


def actions_tick(*, now: datetime | None = None) -> int:
    """Beat: nudge due rows nobody picked up (a lost nudge, a retry time reached, a dead worker's lease)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=conf.renudge_seconds())
    with transaction.atomic():
        due = list(SlackAction.objects.select_for_update(skip_locked=True)
                   .filter(state=S.PENDING, next_attempt_at__lte=now).exclude(nudged_at__gt=stale)
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH])
        SlackAction.objects.filter(pk__in=due).update(nudged_at=now)
        for action_id in due:
            nudge.action_on_commit(action_id)
    return len(due)
