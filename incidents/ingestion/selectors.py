"""Read-side queries of ingestion, and the request path's integration cache.

The ingestion endpoints look an integration up by the hash of its routing key on every event.
A process-local cache keeps it (with its service's upcoming maintenance windows) for
``CACHE_SECONDS``; the rate limiter's Redis round trip also returns the integration's
generation, which every change bumps, so another process's edit (disable, rotate, a new
maintenance window) is seen on the next event, not after the TTL (for an integration allowed
≥ ``ratelimit.LEASE_MIN_PER_MINUTE``, whose tokens are leased: within ``ratelimit.LEASE_SECONDS``).
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from incidents.ingestion.models import Alert, Integration, MaintenanceWindow
from tenancy.models import Organization
from tenancy.tokens import hash_secret

CACHE_SECONDS = 10.0
CACHE_SIZE = 10_000


@dataclass
class CachedIntegration:
    integration: Integration
    windows: list[tuple[datetime, datetime, int]]
    generation: str | None = None
    fresh: bool = True
    expires: float = field(default_factory=lambda: time.monotonic() + CACHE_SECONDS)

    def active_window_id(self, at: datetime) -> int | None:
        return next((window_id for start, end, window_id in self.windows if start <= at < end), None)


_cache: dict[str, CachedIntegration] = {}
_lock = threading.Lock()


def _load(key_hash: str) -> CachedIntegration | None:
    integration = Integration.objects.select_related("service", "organization").filter(
        routing_key_hash=key_hash).first()
    if integration is None:
        return None
    windows = [
        (start, end, pk) for start, end, pk in MaintenanceWindow.objects.filter(
            service_id=integration.service_id, ends_at__gt=timezone.now()).values_list("starts_at", "ends_at", "pk")
    ]
    return CachedIntegration(integration, windows)


def integration_by_routing_key(routing_key: str, *, refresh: bool = False) -> CachedIntegration | None:
    """The integration whose key this is (enabled or not), from the cache when recent."""
    key_hash = hash_secret(routing_key)
    entry = None if refresh else _cache.get(key_hash)
    if entry is not None and entry.expires > time.monotonic():
        return entry
    entry = _load(key_hash)
    with _lock:
        if entry is None:
            _cache.pop(key_hash, None)
        else:
            if len(_cache) >= CACHE_SIZE:
                _cache.clear()
            _cache[key_hash] = entry
    return entry


def integration_cache_clear() -> None:
    with _lock:
        _cache.clear()


def integration_list(*, organization: Organization) -> QuerySet[Integration]:
    return Integration.objects.filter(organization=organization).select_related("service").order_by("name", "id")


def alert_list(*, organization: Organization) -> QuerySet[Alert]:
    return Alert.objects.filter(organization=organization).select_related(
        "integration", "service", "incident").order_by("-received_at", "-id")


def maintenance_window_list(*, organization: Organization) -> QuerySet[MaintenanceWindow]:
    return MaintenanceWindow.objects.filter(organization=organization).select_related(
        "service", "created_by").order_by("-starts_at", "-id")
