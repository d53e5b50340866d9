"""Thin Celery wrappers. The mail ledger is the schedule: the tick writes due reminders and sends
due rows; the monthly task queues last month's review (one mail per org, month and person)."""

from celery import shared_task

from postmortems import services


@shared_task(name="postmortems.tick", ignore_result=True, acks_late=True)
def tick() -> dict:
    return services.mails_tick()


@shared_task(name="postmortems.monthly_review", ignore_result=True, acks_late=True)
def monthly_review() -> int:
    queued = services.monthly_reviews_queue()
    services.mails_send_due()
    return queued
