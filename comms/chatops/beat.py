"""Periodic tasks of the ChatOps app (merged into beat by ``config.celery``: import no models here)."""

from comms import conf

BEAT_SCHEDULE = {
    "chatops-tick": {"task": "chatops.tick", "schedule": conf.tick_seconds(), "options": {"expires": 10}},
}
