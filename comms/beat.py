"""Periodic tasks of comms (merged into Celery beat by ``config.celery``, before Django's apps load:
import nothing here that touches models). One entry per ticker, so a slow one never delays another."""

from comms import conf

# A tick older than this is dropped unrun (after an outage one tick is needed, not hundreds).
TICK_EXPIRES = 10


def _every_tick(task: str) -> dict:
    return {"task": task, "schedule": conf.tick_seconds(), "options": {"expires": TICK_EXPIRES}}


BEAT_SCHEDULE = {
    "comms-paging-advance": _every_tick("comms.paging_advance"),
    "comms-paging-start-missed": _every_tick("comms.paging_start_missed"),
    "comms-notifications-tick": _every_tick("comms.notifications_tick"),
    "comms-webhooks-tick": _every_tick("comms.webhooks_tick"),
    "comms-cadence-tick": {"task": "comms.cadence_tick", "schedule": conf.cadence_tick_seconds(),
                           "options": {"expires": TICK_EXPIRES}},
    "comms-campaigns-tick": {"task": "comms.campaigns_tick", "schedule": conf.cadence_tick_seconds(),
                             "options": {"expires": TICK_EXPIRES}},
}
