"""Periodic tenancy jobs, merged into Celery beat by ``config/celery.py``."""

BEAT_SCHEDULE = {
    # Invitation emails whose task was lost (the broker was down at commit).
    "tenancy-invitations": {"task": "tenancy.invitations_tick", "schedule": 60.0},
}
