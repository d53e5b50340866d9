"""Circuit breakers per (organization, destination URL), and the per-organization share of the outbound pool.

A destination that keeps failing (a black hole that accepts the connection and never answers, a
receiver down for maintenance) would otherwise take a worker thread for a whole timeout on every
send. After ``conf.circuit_failures()`` failures in a row its circuit opens for
``conf.circuit_open_seconds()``: sends to it are skipped (recorded as a retry, and said on the
incident timeline), then sends are tried again: a success closes it, the next failure re-opens it at once.

The circuit row is updated in its own short statement (an upsert on failure, an update on success),
never while a send is in flight."""

import logging
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comms import conf, crypto
from comms.models import OutboundCircuit
from comms.services.timeline import note
from incidents.enums import TimelineKind

logger = logging.getLogger(__name__)


def destination_key(url: str) -> str:
    return crypto.fingerprint(url)


def circuit_open_until(*, organization_id: int, url: str, now: datetime | None = None) -> datetime | None:
    """When the destination's open circuit lets a send through again, or None if it may be called now."""
    now = now or timezone.now()
    until = (OutboundCircuit.objects.filter(organization_id=organization_id, destination=destination_key(url),
                                            open_until__gt=now)
             .values_list("open_until", flat=True).first())
    return until


def circuit_success(*, organization_id: int, url: str) -> None:
    """A send went through: the circuit closes (no write when it was not failing)."""
    OutboundCircuit.objects.filter(organization_id=organization_id, destination=destination_key(url),
                                   failures__gt=0).update(failures=0, open_until=None)


@transaction.atomic
def circuit_failure(*, organization_id: int, url: str, reason: str, incident=None,
                    now: datetime | None = None) -> datetime | None:
    """Count a failure (timeout, connection error, 5xx). Returns the new ``open_until`` when this failure
    opened (or re-opened) the circuit, and then writes it on ``incident``'s timeline."""
    now = now or timezone.now()
    circuit, _created = OutboundCircuit.objects.get_or_create(
        organization_id=organization_id, destination=destination_key(url),
        defaults={"hint": crypto.redact_url(url)})
    OutboundCircuit.objects.filter(pk=circuit.pk).update(failures=F("failures") + 1, last_failure_at=now,
                                                         last_reason=reason[:200])
    circuit = OutboundCircuit.objects.select_for_update().get(pk=circuit.pk)
    if circuit.failures < conf.circuit_failures() or (circuit.open_until and circuit.open_until > now):
        return None
    circuit.open_until = now + timedelta(seconds=conf.circuit_open_seconds())
    circuit.save(update_fields=["open_until"])
    logger.warning("outbound circuit opened", extra={"organization_id": organization_id, "circuit_id": circuit.pk,
                                                     "failures": circuit.failures})
    if incident is not None:
        note(incident, TimelineKind.SYSTEM,
             f"{circuit.hint} failed {circuit.failures} times in a row: skipping it until "
             f"{circuit.open_until:%H:%M:%S} UTC, then trying again.",
             circuit=circuit.hint, failures=circuit.failures, open_until=circuit.open_until.isoformat())
    return circuit.open_until


# --- Fair share of the outbound pool ---------------------------------------------------------------
_lock = threading.Lock()
_in_flight: dict[int, dict[int, float]] = defaultdict(dict)  # organization → {slot id: monotonic start}
_next_slot = iter(range(1, 1 << 62))
# An organization whose sends have been in flight this long is slow (a hanging endpoint), not just busy.
SLOW_SECONDS = 1.0


@dataclass
class Slot:
    granted: bool
    slow: bool = False  # when refused: the organization's sends are hanging, not merely many


@contextmanager
def organization_slot(organization_id: int):
    """Yield a ``Slot``: granted while holding one of the organization's ``conf.org_max_in_flight()`` send
    slots in this process; refused (holding nothing) when it has them all, so one organization's slow
    endpoints never occupy the whole thread pool. A refused slot says whether the organization is slow
    (its oldest send has been in flight over ``SLOW_SECONDS``): then the caller leaves the send to the
    ticker rather than re-queueing it at once."""
    now = time.monotonic()
    with _lock:
        mine = _in_flight[organization_id]
        granted = len(mine) < conf.org_max_in_flight()
        slot_id = next(_next_slot)
        if granted:
            mine[slot_id] = now
        slow = not granted and now - min(mine.values()) > SLOW_SECONDS
    try:
        yield Slot(granted=granted, slow=slow)
    finally:
        if granted:
            with _lock:
                _in_flight[organization_id].pop(slot_id, None)
