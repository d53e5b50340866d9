"""Nudges: Celery messages that only say "look at this row now". Losing one delays work by a tick.

Sent after commit, so the worker sees the row; a broker error is logged, never raised: the
beat ticker finds the row by its due time anyway."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task_name: str, object_id: int) -> None:
    from comms import tasks

    try:
        getattr(tasks, task_name).delay(object_id)
    except Exception:
        logger.warning("nudge not sent; the ticker will pick the row up", extra={"task": task_name,
                                                                                  "object_id": object_id},
                       exc_info=True)


def notification_on_commit(notification_id: int) -> None:
    transaction.on_commit(lambda: _send("deliver_notification", notification_id))


def webhook_on_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: _send("deliver_webhook", delivery_id))


def campaign_on_commit(campaign_id: int) -> None:
    transaction.on_commit(lambda: _send("campaign_send", campaign_id))


def campaign_now(campaign_id: int) -> None:
    _send("campaign_send", campaign_id)
