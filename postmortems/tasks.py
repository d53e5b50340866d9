"""Thin Celery wrappers. The mail ledger is the schedule: the tick writes due reminders and sends
due rows; the monthly task queues last month's review (one mail per org, month and person)."""


from postmortems import services
from tenancy.tasking import task


@task("postmortems.tick")
def tick() -> dict:
    return services.mails_tick()


@task("postmortems.monthly_review")
def monthly_review() -> int:
    queued = services.monthly_reviews_queue()
    services.mails_send_due()
    return queued
