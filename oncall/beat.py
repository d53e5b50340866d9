"""Periodic on-call jobs, merged into Celery beat by ``config/celery.py``."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "oncall-handoff-notices": {"task": "oncall.tasks.start_handoff_notices", "schedule": 300.0},
    "oncall-gap-warnings": {"task": "oncall.tasks.start_gap_warnings", "schedule": crontab(hour=8, minute=0)},
}
