"""Nudges: "perform this ledger row now", sent after commit. Losing one delays it by a tick."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)
# A countdown longer than this is left to the ticker (the database is the schedule).
MAX_COUNTDOWN = 60


def _send(action_id: int, countdown: float = 0) -> None:
    from comms.chatops import tasks

    try:
        if countdown:
            tasks.perform_action.apply_async((action_id,), countdown=countdown)
        else:
            tasks.perform_action.delay(action_id)
    except Exception:
        logger.warning("chatops nudge not sent; the ticker will pick the row up", extra={"action_id": action_id},
                       exc_info=True)


def action_on_commit(action_id: int, countdown: float = 0) -> None:
    countdown = countdown if 0 < countdown <= MAX_COUNTDOWN else 0
    transaction.on_commit(lambda: _send(action_id, countdown))


def inbound_on_commit(inbound_id: int) -> None:
    from comms.chatops import tasks

    def send():
        try:
            tasks.handle_inbound.delay(inbound_id)
        except Exception:
            logger.warning("Slack request not queued; the ticker will", extra={"inbound_id": inbound_id},
                           exc_info=True)

    transaction.on_commit(send)
