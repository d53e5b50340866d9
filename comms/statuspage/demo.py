"""The demo organization's status page: enabled, components over the demo services, public updates on
the past database outage and the open enrichment incident, and an upcoming maintenance. Idempotent.

The public updates are written as ``StatusUpdate`` rows here because the posting service is not on
this branch; once ``comms.services.status.status_update_post`` is merged, use it instead."""

from datetime import timedelta

from django.utils import timezone

from comms.enums import Audience, UpdateStatus
from comms.models import StatusUpdate
from comms.statuspage.models import Maintenance, StatusComponent
from comms.statuspage.services import maintenance as maintenance_services
from comms.statuspage.services import page as page_services
from incidents.models import Incident, Service
from tenancy.models import Organization

COMPONENTS = [
    # Each: name, description, the services behind it, the group it sits in.
    ("Website and API", "The web app and the public REST API.", ["API"], None),
    ("Contact enrichment", "Looking up contact details.", ["Enrichment"], None),
    ("Email and mailboxes", "Connected mailboxes and outbound email.", ["Mailboxes"], None),
    ("Platform", "What everything else runs on.", [], None),
    ("Background jobs", "Applications, sync and emails in the background.", ["Workers"], "Platform"),
    ("Database", "Where your data lives.", ["Database"], "Platform"),
]
OUTAGE_UPDATES = [
    (UpdateStatus.INVESTIGATING, 0, "We are investigating errors when applying and saving contacts."),
    (UpdateStatus.FIXING, 20, "We found the cause: the database ran out of connections. A fix is being applied."),
    (UpdateStatus.MONITORING, 35, "The fix is in place and errors have stopped. We are watching closely."),
    (UpdateStatus.RESOLVED, 50, "Everything has worked normally for 15 minutes. We are sorry for the trouble."),
]


def _components(organization: Organization) -> dict[str, StatusComponent]:
    services = {s.name: s for s in Service.objects.filter(organization=organization)}
    made = {c.name: c for c in StatusComponent.objects.filter(organization=organization)}
    for position, (name, description, service_names, group) in enumerate(COMPONENTS):
        if name not in made:
            made[name] = page_services.component_create(
                organization=organization, name=name, description=description, position=position,
                group=made.get(group), services=[services[n] for n in service_names if n in services])
    return made


def _public_updates(incident: Incident, title: str, steps) -> None:
    if incident is None or StatusUpdate.objects.filter(incident=incident, audience=Audience.PUBLIC).exists():
        return
    # Posted after detection, never in the future (the open incident was detected just now).
    start = min(incident.detected_at, timezone.now() - timedelta(minutes=steps[-1][1] + 10))
    for status, minutes, body in steps:
        StatusUpdate.objects.create(organization=incident.organization, incident=incident, audience=Audience.PUBLIC,
                                    status=status, title=title, body=body,
                                    posted_at=start + timedelta(minutes=minutes + 5))


def seed(organization: Organization) -> None:
    page_services.status_page_update(
        organization=organization, enabled=True, title=organization.name,
        time_zone=getattr(organization, "time_zone", "") or "UTC",
        description="Live status of our product. Subscribe below to hear about incidents and maintenance.",
        support_url="https://example.com/support")
    components = _components(organization)
    outage = Incident.objects.filter(organization=organization, title="Database connection failure").first()
    _public_updates(outage, "Errors when applying and saving contacts", OUTAGE_UPDATES)
    enrichment = Incident.objects.filter(organization=organization, title="Enrichment failing for all lookups",
                                         status__in=["fixing", "investigating", "monitoring"]).first()
    _public_updates(enrichment, "Contact enrichment unavailable", [
        (UpdateStatus.INVESTIGATING, 0, "Contact lookups are failing. Applying and tracking still work."),
        (UpdateStatus.FIXING, 10, "Our enrichment provider is degraded; we paused lookups until it recovers."),
    ])
    if not Maintenance.objects.filter(organization=organization).exists():
        start = (timezone.now() + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
        maintenance_services.maintenance_create(
            organization=organization, title="Database upgrade to PostgreSQL 16", scheduled_for=start,
            scheduled_until=start + timedelta(hours=2), components=[components["Database"]], suppress_alerts=True,
            body="We are upgrading the database. The app may be read-only for up to 10 minutes in this window.")
