"""The project's Celery conventions in one place: ``@task`` for every task, ``publish`` for every nudge.

``@task("comms.deliver_notification")`` gives a task its stable name, ``acks_late`` with
``reject_on_worker_lost`` (a SIGKILLed worker's message is redelivered, not lost), no result,
automatic retries with exponential backoff and jitter on database and connection errors, and one
log line per failure with the task's name and arguments. Tasks stay thin wrappers: arguments are
ids, they load and call one idempotent service.

``publish(task, *args)`` sends a nudge ("look at this row now") without ever holding the caller:
a broker error is logged, and for ``FOGHORN_BROKER_BACKOFF_SECONDS`` afterwards nudges in this
process are not even tried (a hung Redis would otherwise cost every request its socket timeout).
The row's due time is the schedule: beat's tickers and the outbox sweeper pick it up.
"""

import functools
import logging
import threading
import time

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

RETRY_FOR = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def task(name: str, *, queue: str | None = None, retry_for: tuple = RETRY_FOR, max_retries: int = 5, **options):
    """Register ``function`` as the Celery task ``name`` with the project's conventions (see module doc)."""

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:
                logger.warning("task failed", extra={"task": name, "task_args": args, "task_kwargs": kwargs},
                               exc_info=True)
                raise

        settings_ = {"name": name, "acks_late": True, "reject_on_worker_lost": True, "ignore_result": True,
                     "autoretry_for": retry_for, "retry_backoff": 2, "retry_backoff_max": 60, "retry_jitter": True,
                     "max_retries": max_retries, **options}
        if queue:
            settings_["queue"] = queue
        return shared_task(**settings_)(run)

    return decorate


_broker_down_until = 0.0
_broker_lock = threading.Lock()


def broker_backing_off() -> bool:
    return time.monotonic() < _broker_down_until


def publish(celery_task, *args, **options) -> bool:
    """Send ``celery_task(*args)``; True if the broker took it. Never raises, never waits more than one
    socket timeout, and not at all while backing off after a broker failure."""
    global _broker_down_until
    if broker_backing_off() and not celery_task.app.conf.task_always_eager:
        logger.info("broker backing off; nudge left to the ticker", extra={"task": celery_task.name})
        return False
    try:
        if options:
            celery_task.apply_async(args, **options)
        else:
            celery_task.delay(*args)
    except Exception:  # a broker outage must never fail the caller: the row is the schedule
        if not celery_task.app.conf.task_always_eager:
            with _broker_lock:
                _broker_down_until = time.monotonic() + float(getattr(settings, "FOGHORN_BROKER_BACKOFF_SECONDS", 5))
        logger.warning("nudge not sent; the ticker will pick the row up", extra={"task": celery_task.name},
                       exc_info=True)
        return False
    return True
