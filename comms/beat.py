"""Periodic tasks of comms (merged into Celery beat by ``config.celery``, before Django's apps load:
import nothing here that touches models)."""

from comms import conf

# A tick older than this is dropped unrun (after an outage one tick is needed, not hundreds).
TICK_EXPIRES = 10

BEAT_SCHEDULE = {
    "comms-tick": {"task": "comms.tick", "schedule": conf.tick_seconds(), "options": {"expires": TICK_EXPIRES}},
    "comms-cadence-tick": {"task": "comms.cadence_tick", "schedule": conf.cadence_tick_seconds(),
                           "options": {"expires": TICK_EXPIRES}},
}
