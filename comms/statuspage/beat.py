"""Periodic tasks of the status page (merged into Celery beat by ``config.celery``; imports no models)."""

BEAT_SCHEDULE = {
    "statuspage-tick": {"task": "statuspage.tick", "schedule": 10.0, "options": {"expires": 10}},
}
