"""Circuit breakers per (organization, destination URL), and the per-organization share of the outbound pool.

A destination that keeps failing (a black hole that accepts the connection and never answers, a
receiver down for maintenance) would otherwise take a worker thread for a whole timeout on every
send. After ``conf.circuit_failures()`` failures in a row its circuit opens for
``conf.circuit_open_seconds()``: sends to it are skipped (recorded as a retry, and said on the
incident timeline), then one send is tried again (half-open); a success closes it.

The circuit row is updated in its own short statement (an upsert on failure, an update on success),
never while a send is in flight."""

import logging
import threading
from collections import defaultdict
from contextlib import contextmanager
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
             f"{circuit.hint} failed {circuit.failures} times in a row ({reason[:80]}): skipping it until "
             f"{circuit.open_until:%H:%M:%S} UTC, then trying again.",
             circuit=circuit.hint, failures=circuit.failures, open_until=circuit.open_until.isoformat())
    return circuit.open_until


# --- Fair share of the outbound pool ---------------------------------------------------------------
_lock = threading.Lock()
_in_flight: dict[int, int] = defaultdict(int)


@contextmanager
def organization_slot(organization_id: int):
    """Yield True while holding one of the organization's ``conf.org_max_in_flight()`` send slots in this
    process, or False (holding nothing) when it has them all: the caller hands the send back to the queue,
    so one organization's slow endpoints never occupy the whole thread pool."""
    with _lock:
        granted = _in_flight[organization_id] < conf.org_max_in_flight()
        if granted:
            _in_flight[organization_id] += 1
    try:
        yield granted
    finally:
        if granted:
            with _lock:
                _in_flight[organization_id] -= 1
