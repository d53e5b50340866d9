"""Nudges: Celery messages that only say "look at this row now". Losing one delays work by a tick.

Sent after commit, so the worker sees the row, through ``tenancy.tasking.publish``: a broker error
or a hung broker is logged and never holds the caller; the beat ticker finds the row by its due
time anyway."""

from django.db import transaction

from tenancy.tasking import publish


def _send(task_name: str, object_id: int) -> None:
    from comms import tasks

    publish(getattr(tasks, task_name), object_id)


def notification_on_commit(notification_id: int) -> None:
    transaction.on_commit(lambda: _send("deliver_notification", notification_id))


def webhook_on_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: _send("deliver_webhook", delivery_id))


def campaign_on_commit(campaign_id: int) -> None:
    transaction.on_commit(lambda: _send("campaign_send", campaign_id))


def campaign_now(campaign_id: int) -> None:
    _send("campaign_send", campaign_id)
