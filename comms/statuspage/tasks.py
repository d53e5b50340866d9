"""Thin Celery wrappers (ids in, one service each, idempotent). Subscriber mail runs on the ``bulk``
queue and vendor polls on ``outbound``, so neither ever waits behind (or delays) a page."""


from comms.statuspage.services import mailing, maintenance, subscribers, vendor
from tenancy.tasking import task


@task("statuspage.tick")
def tick() -> dict:
    """Start and complete maintenances on time, expire unconfirmed sign-ups, re-nudge subscriber mail,
    hand due vendor feeds to their polls."""
    return {
        "maintenances": maintenance.maintenances_tick(),
        "expired": subscribers.subscribers_expire(),
        "mail": mailing.mail_tick(),
        "vendor_feeds": vendor.vendor_feeds_tick(),
    }


@task("statuspage.send_batch", queue=mailing.QUEUE)
def send_batch(notification_ids: list[int]) -> dict:
    results: dict[str, int] = {}
    for notification_id in notification_ids:
        outcome = mailing.mail_send(notification_id=int(notification_id))
        results[outcome] = results.get(outcome, 0) + 1
    return results


@task("statuspage.poll_vendor_feed", queue=vendor.QUEUE)
def poll_vendor_feed(feed_id: int) -> str:
    return vendor.vendor_feed_poll(feed_id=feed_id)
