"""The vendor status watch: feeds of vendors' Statuspage ``summary.json`` that services depend on.

Beat (``vendor_feeds_tick``) claims due feeds (``skip_locked``), moves their next poll ahead (a lease:
a lost poll retries then) and hands each to ``statuspage.poll_vendor_feed`` on the ``outbound`` queue.
A poll refuses URLs that resolve to non-public addresses (``comms.netguard``), sends the last ETag,
times out, and backs off exponentially on errors. A vendor incident not seen before is written on the
timeline of the open incidents of the feed's services and, with ``raise_alert``, raised as an alert
through the feed's ``vendor`` integration of each service (dedup key per vendor incident), which
dedups and pages like any other; when the vendor resolves it, the alert is resolved."""

import json
import logging
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comms import netguard
from comms.services.timeline import note
from comms.statuspage import nudge
from comms.statuspage.models import VendorFeed
from incidents.enums import OPEN_STATUSES, TimelineKind
from incidents.ingestion import services as ingestion_services
from incidents.ingestion.enums import AlertSeverity, EventAction, IntegrationKind
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import Integration, MaintenanceWindow
from incidents.models import Incident, Service
from tenancy.errors import ApplicationError
from tenancy.models import Organization

logger = logging.getLogger(__name__)
FIELDS = {"name", "url", "services", "raise_alert", "enabled"}
QUEUE = "outbound"
MAX_BODY = 2 * 1024 * 1024
IMPACT_SEVERITY = {"critical": AlertSeverity.CRITICAL, "major": AlertSeverity.ERROR, "minor": AlertSeverity.WARNING}
DONE = ("resolved", "postmortem", "completed")


class FeedError(Exception):
    pass


def _check_url(url: str) -> None:
    try:
        netguard.check_url(url)
    except netguard.UnsafeURL as exc:
        raise ApplicationError(str(exc), {"url": [str(exc)]}) from exc


def _validate(organization: Organization, values: dict) -> None:
    services = values.get("services")
    if services is not None and any(s.organization_id != organization.pk for s in services):
        raise ApplicationError("Unknown service.", {"services": ["Only services of this organization."]})
    if "url" in values:
        _check_url(values["url"])


def _integrations_sync(feed: VendorFeed) -> None:
    """One ``vendor`` integration per dependent service while ``raise_alert`` is on (its key is never used:
    Foghorn raises the alerts itself)."""
    wanted = {s.pk: s for s in feed.services.all()} if feed.raise_alert else {}
    kept = []
    for integration in feed.integrations.all():
        if integration.service_id in wanted:
            kept.append(integration)
            wanted.pop(integration.service_id)
        else:
            ingestion_services.integration_delete(integration=integration)
    for service in wanted.values():
        integration, _key = ingestion_services.integration_create(
            organization=feed.organization, name=f"Vendor: {feed.name}"[:200], kind=IntegrationKind.VENDOR,
            service=service)
        kept.append(integration)
    feed.integrations.set(kept)


@transaction.atomic
def vendor_feed_create(*, organization: Organization, name: str, url: str, services: list[Service] | None = None,
                       raise_alert: bool = False, enabled: bool = True) -> VendorFeed:
    services = list(services or [])
    _validate(organization, {"services": services, "url": url})
    feed = VendorFeed.objects.create(organization=organization, name=name, url=url, raise_alert=raise_alert,
                                     enabled=enabled, next_poll_at=timezone.now())
    feed.services.set(services)
    _integrations_sync(feed)
    return feed


@transaction.atomic
def vendor_feed_update(*, feed: VendorFeed, **changes) -> VendorFeed:
    unknown = set(changes) - FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", {name: ["Unknown field."] for name in sorted(unknown)})
    feed = VendorFeed.objects.select_for_update().get(pk=feed.pk)
    _validate(feed.organization, changes)
    services = changes.pop("services", None)
    if "url" in changes and changes["url"] != feed.url:
        feed.etag, feed.failures, feed.next_poll_at = "", 0, timezone.now()
    for name, value in changes.items():
        setattr(feed, name, value)
    feed.save()
    if services is not None:
        feed.services.set(services)
    _integrations_sync(feed)
    return feed


@transaction.atomic
def vendor_feed_delete(*, feed: VendorFeed) -> None:
    for integration in feed.integrations.all():
        ingestion_services.integration_delete(integration=integration)
    feed.delete()


# --- polling -------------------------------------------------------------------------------------------

def _poll_seconds() -> int:
    return settings.STATUSPAGE_VENDOR_POLL_SECONDS


def vendor_feeds_tick(*, now: datetime | None = None) -> int:
    """Beat: hand each due feed to a poll task; its next poll moves ahead first (a lease)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=max(3 * settings.STATUSPAGE_VENDOR_TIMEOUT, 30))
    with transaction.atomic():
        due = list(VendorFeed.objects.select_for_update(skip_locked=True).filter(enabled=True, next_poll_at__lte=now)
                   .values_list("pk", flat=True)[:500])
        VendorFeed.objects.filter(pk__in=due).update(next_poll_at=lease)
    for feed_id in due:
        nudge.send("poll_vendor_feed", feed_id)  # lost: the lease runs out and the next tick tries again
    return len(due)


def _fetch(feed: VendorFeed) -> tuple[dict | None, str]:
    """(summary, etag), or (None, etag) for 304 Not Modified. Raises FeedError."""
    try:
        netguard.check_url(feed.url)
        headers = {"Accept": "application/json", "User-Agent": "Foghorn vendor status watch"}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        with netguard.session() as session:
            response = session.get(feed.url, headers=headers, timeout=(3.05, settings.STATUSPAGE_VENDOR_TIMEOUT),
                                   allow_redirects=False, stream=True)
            if response.status_code == 304:
                return None, feed.etag
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code}")
            raw = response.raw.read(MAX_BODY + 1, decode_content=True)
    except netguard.UnsafeURL as exc:
        raise FeedError(f"Refused: {exc}") from exc
    except requests.RequestException as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}") from exc
    if len(raw) > MAX_BODY:
        raise FeedError("The answer is larger than 2 MB.")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise FeedError("The answer is not JSON.") from exc
    return _checked(data), response.headers.get("ETag", "")[:200]


def _checked(data) -> dict:
    """The parts of a Statuspage summary we use, or FeedError when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("status"), dict):
        raise FeedError("Not a Statuspage summary.json (no status object).")
    components = data.get("components") or []
    incidents = data.get("incidents") or []
    if not isinstance(components, list) or not isinstance(incidents, list):
        raise FeedError("Not a Statuspage summary.json (components and incidents are lists).")
    return {
        "indicator": str(data["status"].get("indicator", ""))[:16],
        "description": str(data["status"].get("description", ""))[:200],
        "components": [{"id": str(c.get("id", "")), "name": str(c.get("name", ""))[:200],
                        "status": str(c.get("status", ""))[:32]} for c in components if isinstance(c, dict)][:200],
        "incidents": [{"id": str(i.get("id", "")), "name": str(i.get("name", ""))[:300],
                       "status": str(i.get("status", ""))[:32], "impact": str(i.get("impact", ""))[:16],
                       "shortlink": str(i.get("shortlink") or "")[:500]}
                      for i in incidents if isinstance(i, dict) and i.get("id")][:100],
    }


def vendor_feed_poll(*, feed_id: int, now: datetime | None = None) -> str:
    """Poll one feed (outside any transaction), then record what it said. Returns ok, unchanged or error."""
    feed = VendorFeed.objects.filter(pk=feed_id, enabled=True).first()
    if feed is None:
        return "noop"
    try:
        summary, etag = _fetch(feed)
    except FeedError as exc:
        _record_failure(feed.pk, str(exc), now or timezone.now())
        return "error"
    _record(feed.pk, summary, etag, now or timezone.now())
    return "unchanged" if summary is None else "ok"


@transaction.atomic
def _record_failure(feed_id: int, error: str, now: datetime) -> None:
    feed = VendorFeed.objects.select_for_update().get(pk=feed_id)
    feed.failures += 1
    backoff = min(_poll_seconds() * 2 ** min(feed.failures, 16), settings.STATUSPAGE_VENDOR_MAX_BACKOFF_SECONDS)
    feed.last_error, feed.last_polled_at, feed.next_poll_at = error[:500], now, now + timedelta(seconds=backoff)
    feed.save()
    logger.warning("vendor feed poll failed", extra={"vendor_feed_id": feed_id, "failures": feed.failures})


@transaction.atomic
def _record(feed_id: int, summary: dict | None, etag: str, now: datetime) -> None:
    feed = VendorFeed.objects.select_for_update().get(pk=feed_id)
    feed.failures, feed.last_error, feed.last_polled_at, feed.last_success_at = 0, "", now, now
    feed.next_poll_at = now + timedelta(seconds=_poll_seconds())
    if summary is not None:
        feed.etag = etag
        before = {i["id"]: i for i in feed.vendor_incidents or []}
        current = {i["id"]: i for i in summary["incidents"] if i["status"] not in DONE}
        for vendor_id, vendor_incident in current.items():
            if vendor_id not in before:
                _announce(feed, vendor_incident, resolved=False)
        for vendor_id, vendor_incident in before.items():
            if vendor_id not in current:
                _announce(feed, vendor_incident, resolved=True)
        feed.indicator, feed.description = summary["indicator"], summary["description"]
        feed.vendor_components, feed.vendor_incidents = summary["components"], list(current.values())
    feed.save()


def _announce(feed: VendorFeed, vendor_incident: dict, *, resolved: bool) -> None:
    """Write it on the dependent open incidents' timelines; raise or resolve the vendor alert."""
    name = vendor_incident["name"] or vendor_incident["id"]
    text = (f"{feed.name} resolved its incident: {name}." if resolved else
            f"{feed.name} reports an incident: {name} ({vendor_incident['status']}, impact "
            f"{vendor_incident['impact'] or 'unknown'}). {vendor_incident['shortlink']}".strip())
    service_ids = list(feed.services.values_list("pk", flat=True))
    for incident in Incident.objects.filter(organization_id=feed.organization_id, service_id__in=service_ids,
                                            status__in=OPEN_STATUSES):
        note(incident, TimelineKind.SYSTEM, text, vendor_feed_id=feed.pk, vendor=feed.name,
             vendor_incident_id=vendor_incident["id"], vendor_status="resolved" if resolved else
             vendor_incident["status"])
    if feed.raise_alert:
        for integration in feed.integrations.filter(enabled=True):
            _alert(feed, integration, vendor_incident, resolved)


def _alert(feed: VendorFeed, integration: Integration, vendor_incident: dict, resolved: bool) -> None:
    now = timezone.now()
    window_id = (MaintenanceWindow.objects.filter(service_id=integration.service_id, starts_at__lte=now,
                                                  ends_at__gt=now).values_list("pk", flat=True).first())
    event = NormalizedEvent(
        action=EventAction.RESOLVE if resolved else EventAction.TRIGGER,
        dedup_key=f"vendor:{feed.public_id}:{vendor_incident['id']}"[:255],
        summary=f"{feed.name}: {vendor_incident['name'] or vendor_incident['id']}"[:1024], source=feed.name[:200],
        severity=IMPACT_SEVERITY.get(vendor_incident["impact"], AlertSeverity.INFO),
        details={"vendor_feed": feed.name, "vendor_incident": vendor_incident},
        links=[{"href": vendor_incident["shortlink"], "text": "Vendor status"}] if vendor_incident["shortlink"] else [])
    ingestion_services.alert_ingest(integration=integration, event=event, window_id=window_id)
