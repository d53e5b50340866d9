"""Thin Celery wrappers. Arguments are ids; every task checks the state it expects, so a duplicate,
stale or redelivered message does nothing. No countdown/ETA anywhere: what is due later has a due
time in a row, and ``tick`` (beat, every few seconds) finds it."""

from celery import shared_task

from comms.services import cadence, campaigns, delivery, paging, webhooks


@shared_task(name="comms.tick", ignore_result=True, acks_late=True)
def tick() -> dict:
    """Advance due escalation runs, start missed ones, re-send dead sends, nudge due rows."""
    return {
        "advanced": paging.paging_tick(),
        "started": paging.paging_start_missed(),
        "notifications": delivery.notifications_tick(),
        "webhooks": webhooks.webhooks_tick(),
    }


@shared_task(name="comms.deliver_notification", ignore_result=True, acks_late=True)
def deliver_notification(notification_id: int) -> str:
    return delivery.notification_deliver(notification_id=notification_id)


@shared_task(name="comms.deliver_webhook", ignore_result=True, acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task(name="comms.advance_run", ignore_result=True, acks_late=True)
def advance_run(run_id: int, expected_step: int, expected_loop: int) -> bool:
    return paging.escalation_advance(run_id=run_id, expected_step=expected_step, expected_loop=expected_loop)


@shared_task(name="comms.cadence_tick", ignore_result=True, acks_late=True)
def cadence_tick() -> dict:
    """Send due and overdue status-update reminders; re-queue campaigns whose worker stopped."""
    return {"reminders": cadence.cadence_tick(), "campaigns": campaigns.campaigns_tick()}


@shared_task(name="comms.campaign_send", ignore_result=True, acks_late=True)
def campaign_send(campaign_id: int) -> str:
    """Routed to the ``bulk`` queue (``CELERY_TASK_ROUTES``): a campaign never waits in front of a page."""
    return campaigns.campaign_send(campaign_id=campaign_id)
