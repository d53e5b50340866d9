"""Thin Celery wrappers (ids in, one service each, idempotent). Subscriber mail runs on the ``bulk``
queue and vendor polls on ``outbound``, so neither ever waits behind (or delays) a page."""

from celery import shared_task

from comms.statuspage.services import mailing, maintenance, subscribers, vendor


@shared_task(name="statuspage.tick", ignore_result=True, acks_late=True)
def tick() -> dict:
    """Start and complete maintenances on time, expire unconfirmed sign-ups, re-nudge subscriber mail,
    hand due vendor feeds to their polls."""
    return {
        "maintenances": maintenance.maintenances_tick(),
        "expired": subscribers.subscribers_expire(),
        "mail": mailing.mail_tick(),
        "vendor_feeds": vendor.vendor_feeds_tick(),
    }


@shared_task(name="statuspage.send_batch", ignore_result=True, acks_late=True, queue=mailing.QUEUE)
def send_batch(notification_ids: list[int]) -> dict:
    results: dict[str, int] = {}
    for notification_id in notification_ids:
        outcome = mailing.mail_send(notification_id=int(notification_id))
        results[outcome] = results.get(outcome, 0) + 1
    return results


@shared_task(name="statuspage.poll_vendor_feed", ignore_result=True, acks_late=True, queue=vendor.QUEUE)
def poll_vendor_feed(feed_id: int) -> str:
    return vendor.vendor_feed_poll(feed_id=feed_id)
