from datetime import timedelta

from django.utils import timezone

from comms.statuspage.models import Subscriber
from comms.statuspage.services import maintenance, subscribers, vendor
from tests.isolation import IsolationCase
from tests.statuspage import factories


def make_page(org, marker):
    return factories.enabled_page(org, title=marker, description=marker)


def make_component(org, marker):
    return factories.component(org, marker, [factories.service(org, f"svc {marker}")])


def make_maintenance(org, marker):
    start = timezone.now() + timedelta(days=1)
    return maintenance.maintenance_create(organization=org, title=marker, scheduled_for=start,
                                          scheduled_until=start + timedelta(hours=1),
                                          components=[make_component(org, marker)])


def make_subscriber(org, marker):
    component = make_component(org, marker)
    subscribers.subscribers_import(organization=org, emails=[f"{marker}@example.test"], reason=marker,
                                   components=[component.public_id])
    return Subscriber.objects.get(organization=org)


VENDOR_URL = "http://127.0.0.1:9/api/v2/summary.json"


def make_feed(org, marker):
    return vendor.vendor_feed_create(organization=org, name=marker, url=VENDOR_URL,
                                     services=[factories.service(org, f"svc {marker}")])


def make_incident_with_feed(org, marker):
    feed = make_feed(org, marker)
    return factories.incident(org, feed.services.get(), title=marker)


CASES = [
    IsolationCase(url_names=("status-page",), make=make_page, url_kwargs=lambda obj: {},
                  body={"title": "stolen", "enabled": False}),
    IsolationCase(
        url_names=("status-components-list", "status-components-detail"),
        make=make_component,
        create_payload=lambda obj, org_b: {"name": "x", "services": [obj.services.get().pk]},
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("maintenances-list", "maintenances-detail", "maintenances-transition"),
        make=make_maintenance,
        create_payload=lambda obj, org_b: {"title": "x", "scheduled_for": "2030-01-01T00:00:00Z",
                                           "scheduled_until": "2030-01-01T01:00:00Z",
                                           "components": [obj.components.get().pk]},
        body={"title": "stolen", "status": "completed"},
    ),
    IsolationCase(
        url_names=("status-subscribers-list", "status-subscribers-detail", "status-subscribers-import"),
        make=make_subscriber,
        create_payload=lambda obj, org_b: {"emails": ["b@example.test"], "reason": "x",
                                           "components": [obj.components.get().public_id]},
    ),
    IsolationCase(
        url_names=("vendor-feeds-list", "vendor-feeds-detail"),
        make=make_feed,
        create_payload=lambda obj, org_b: {"name": "x", "url": VENDOR_URL,
                                           "services": [obj.services.get().pk]},
        body={"name": "stolen"},
    ),
    IsolationCase(url_names=("incident-vendor-status",), make=make_incident_with_feed,
                  url_kwargs=lambda obj: {"number": obj.number}),
]
