"""Celery nudges of the status page (as ``comms.nudge``): a lost one only delays work until the ticker.
The task module is imported when sending, as in ``comms.nudge`` (tasks import the services)."""

import logging

logger = logging.getLogger(__name__)


def send(task_name: str, *args) -> None:
    from comms.statuspage import tasks

    try:
        getattr(tasks, task_name).delay(*args)
    except Exception:  # a broker outage must not fail the caller: the ticker finds the row again
        logger.warning("status page nudge not sent; the ticker will pick it up", extra={"task": task_name},
                       exc_info=True)
