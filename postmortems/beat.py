"""Periodic tasks of postmortems (merged into Celery beat by ``config.celery``; import no models here)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "postmortems-tick": {"task": "postmortems.tick", "schedule": 60.0, "options": {"expires": 50}},
    # The first of each month, 07:00 UTC: last month's review to every org's admins (once: the ledger).
    "postmortems-monthly-review": {"task": "postmortems.monthly_review",
                                   "schedule": crontab(minute=0, hour=7, day_of_month=1)},
}
