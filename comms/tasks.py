"""Thin Celery wrappers. Arguments are ids; every task checks the state it expects, so a duplicate,
stale or redelivered message does nothing. No countdown/ETA beyond a second: what is due later has a
due time in a row, and the beat tickers (``beat.py``, every few seconds) find it.

Sends run on the ``outbound`` queue (``settings.CELERY_TASK_ROUTES``), consumed by a threaded worker;
the tickers and ``advance_run`` stay on the paging queue with the outbox."""

from comms.services import cadence, campaigns, delivery, paging, webhooks
from comms.services.ticks import ticker_beat
from tenancy.tasking import publish, task

# An organization at its share of in-flight sends gets its send back on the queue this much later (when
# its sends are merely many; when they hang, the ticker re-nudges the row after COMMS_RENUDGE_SECONDS).
BUSY_COUNTDOWN = 0.2


@task("comms.paging_advance")
def paging_advance() -> int:
    """Beat: advance due escalation runs."""
    ticker_beat("comms.paging_advance")
    return paging.paging_tick()


@task("comms.paging_start_missed")
def paging_start_missed() -> int:
    """Beat: start runs whose trigger dispatch was lost."""
    return paging.paging_start_missed()


@task("comms.notifications_tick")
def notifications_tick() -> int:
    """Beat: hand out again sends whose worker died, nudge due rows nobody picked up."""
    return delivery.notifications_tick()


@task("comms.webhooks_tick")
def webhooks_tick() -> int:
    """Beat: nudge due org webhook deliveries nobody picked up."""
    return webhooks.webhooks_tick()


@task("comms.deliver_notification")
def deliver_notification(notification_id: int) -> str:
    outcome = delivery.notification_deliver(notification_id=notification_id)
    if outcome == "busy":
        publish(deliver_notification, notification_id, countdown=BUSY_COUNTDOWN)
    return outcome


@task("comms.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome == "busy":
        publish(deliver_webhook, delivery_id, countdown=BUSY_COUNTDOWN)
    return outcome


@task("comms.advance_run")
def advance_run(run_id: int, expected_step: int, expected_loop: int) -> bool:
    return paging.escalation_advance(run_id=run_id, expected_step=expected_step, expected_loop=expected_loop)


@task("comms.cadence_tick")
def cadence_tick() -> int:
    """Beat: send due and overdue status-update reminders."""
    return cadence.cadence_tick()


@task("comms.campaigns_tick")
def campaigns_tick() -> int:
    """Beat: re-queue campaigns whose sending worker stopped."""
    return campaigns.campaigns_tick()


@task("comms.campaign_send")
def campaign_send(campaign_id: int) -> str:
    """Routed to the ``bulk`` queue (``CELERY_TASK_ROUTES``): a campaign never waits in front of a page."""
    return campaigns.campaign_send(campaign_id=campaign_id)
