"""The outbox dispatcher: how apps above ``incidents`` react to timeline events.

Every change writes a ``TimelineEvent`` in its own transaction. After commit the event's id
goes to the Celery task ``dispatch``, which calls each registered handler whose ``kinds``
match and that has not yet marked the event done (a ``TimelineEventDelivery`` row). The beat
task ``sweep`` re-dispatches events older than a minute that a matching handler has not
finished, so a lost message, a killed worker or a broker outage delays work but loses none.
Handlers are called at least once: they must be idempotent.

Usage (in the reacting app's ``AppConfig.ready``)::

    from incidents import events
    events.register("comms.paging", on_timeline_event, kinds={"incident_created", "acknowledged"})
"""

import contextvars
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from incidents.models import TimelineEvent, TimelineEventDelivery
from tenancy.tasking import publish, task

logger = logging.getLogger(__name__)

# Events younger than this are left to their own dispatch; older ones not done are re-driven.
REDRIVE_AFTER = timedelta(minutes=1)
# Events older than this are no longer re-driven (a handler added later does not get old history).
REDRIVE_HORIZON = timedelta(hours=24)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Handler:
    name: str
    function: Callable[[TimelineEvent], None]
    kinds: frozenset[str] | None

    def wants(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


_handlers: dict[str, Handler] = {}


def register(name: str, handler: Callable[[TimelineEvent], None], kinds: Iterable[str] | None = None) -> None:
    """Call ``handler(event)`` for every committed event (of ``kinds``, or all). ``name`` is the
    stable string recorded per event once the handler succeeded; registering it again replaces it."""
    if not name or len(name) > 100:
        raise ValueError("A handler name is a non-empty string of at most 100 characters.")
    _handlers[name] = Handler(name, handler, frozenset(str(kind) for kind in kinds) if kinds is not None else None)


def unregister(name: str) -> None:
    _handlers.pop(name, None)


def handlers_for(kind: str) -> list[Handler]:
    return [handler for handler in _handlers.values() if handler.wants(kind)]


def enqueue_on_commit(event: TimelineEvent) -> None:
    """Hand the event to the dispatcher once the surrounding transaction commits."""
    enqueue_written_on_commit(event.kind, event.pk)


def enqueue_written_on_commit(kind: str, event_id: int) -> None:
    """``enqueue_on_commit`` for an event written by raw SQL, known by its kind and id only."""
    if handlers_for(kind):
        transaction.on_commit(lambda: _send_or_hand_off(event_id))


_in_background: contextvars.ContextVar[bool] = contextvars.ContextVar("foghorn_dispatch_in_background",
                                                                      default=False)
BACKGROUND_QUEUE_SIZE = 10_000


@contextmanager
def dispatch_in_background():
    """Within it, a committed event's dispatch message is handed to this process's publisher
    thread instead of being sent inline: a slow or hung broker never holds the caller (the
    ingestion endpoints, whose answer must not wait on Redis once the alert is committed). If the
    publisher falls behind (its queue full), the message is dropped with a log line: the event is
    committed, and the sweeper re-drives it. Tasks run eagerly (tests) are sent inline."""
    token = _in_background.set(True)
    try:
        yield
    finally:
        _in_background.reset(token)


def _send_or_hand_off(event_id: int) -> None:
    if _in_background.get() and not dispatch.app.conf.task_always_eager:
        _publisher.hand_off(event_id)
    else:
        _send(event_id)


class _Publisher:
    """One daemon thread a process sending the dispatch messages handed to it, in order."""

    def __init__(self):
        self.queue: queue.Queue[int] = queue.Queue(maxsize=BACKGROUND_QUEUE_SIZE)
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def hand_off(self, event_id: int) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():  # none yet, or lost in a fork
                self.thread = threading.Thread(target=self._run, name="foghorn-dispatch-publisher", daemon=True)
                self.thread.start()
        try:
            self.queue.put_nowait(event_id)
        except queue.Full:
            logger.warning("timeline event dispatch dropped (publisher behind); the sweeper will retry",
                           extra={"event_id": event_id})

    def _run(self) -> None:
        while True:
            _send(self.queue.get())


_publisher = _Publisher()


def _send(event_id: int) -> None:
    # A broker outage (or a hung broker) must not fail or hold the request: the sweeper re-drives the event.
    publish(dispatch, event_id)


@task("incidents.events.dispatch")
def dispatch(event_id: int) -> int:
    """Call every matching handler not yet done with the event. Returns how many succeeded now.

    Each handler runs in its own transaction together with its delivery row, locked so two
    dispatchers never run the same handler on the same event at once (the second waits);
    the handler's writes and its "done" mark commit together. A failing handler is logged and
    left for the sweeper."""
    event = TimelineEvent.objects.select_related("incident").filter(pk=event_id).first()
    if event is None:
        return 0
    succeeded = 0
    for handler in handlers_for(event.kind):
        if _run(event, handler):
            succeeded += 1
    return succeeded


def _run(event: TimelineEvent, handler: Handler) -> bool:
    with transaction.atomic():
        delivery, _created = TimelineEventDelivery.objects.get_or_create(
            event=event, handler=handler.name, defaults={"organization_id": event.organization_id}
        )
        # Wait (do not skip) for a concurrent dispatcher of the same event and handler: once it
        # commits we see its done mark and stop; a skip here could leave the row undone until the
        # sweeper's next pass, delaying a page by a minute.
        delivery = (
            TimelineEventDelivery.objects.select_for_update()
            .filter(pk=delivery.pk, done_at__isnull=True)
            .first()
        )
        if delivery is None:
            return False  # another dispatcher finished it while we waited
        delivery.attempts += 1
        try:
            with transaction.atomic():
                handler.function(event)
        except Exception as exc:
            delivery.last_error = repr(exc)[:2000]
            delivery.save(update_fields=["attempts", "last_error"])
            logger.exception("timeline event handler failed",
                             extra={"event_id": event.pk, "handler": handler.name})
            return False
        delivery.done_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["attempts", "done_at", "last_error"])
        return True


def pending_event_ids(*, now=None, limit: int = SWEEP_BATCH) -> list[int]:
    """Events between a minute and a day old that some matching handler has not finished."""
    now = now or timezone.now()
    window = TimelineEvent.objects.filter(at__lte=now - REDRIVE_AFTER, at__gte=now - REDRIVE_HORIZON)
    found: set[int] = set()
    for handler in list(_handlers.values()):
        done = TimelineEventDelivery.objects.filter(event=OuterRef("pk"), handler=handler.name,
                                                    done_at__isnull=False)
        events = window.filter(~Exists(done))
        if handler.kinds is not None:
            events = events.filter(kind__in=handler.kinds)
        found.update(events.order_by("at").values_list("pk", flat=True)[:limit])
    return sorted(found)[:limit]


@task("incidents.events.sweep")
def sweep() -> int:
    """Beat task: re-dispatch events whose dispatch was lost or whose handler failed."""
    event_ids = pending_event_ids()
    for event_id in event_ids:
        _send(event_id)
    if event_ids:
        logger.info("re-dispatched timeline events", extra={"count": len(event_ids)})
    return len(event_ids)
