from datetime import timedelta

from django.utils import timezone

from incidents.ingestion import services
from incidents.ingestion.enums import EventAction
from incidents.ingestion.events import NormalizedEvent
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration
from tests.isolation import IsolationCase


def make_integration_case(org, marker):
    integration, _key = make_integration(org, kind="webhook", name=marker)
    return integration


def make_alert(org, marker):
    integration, _key = make_integration(org, kind="webhook", name=f"{marker} source")
    services.alert_ingest(integration=integration, event=NormalizedEvent(
        action=EventAction.TRIGGER, dedup_key=marker, summary=marker, source=marker))
    return integration.alerts.get()


def make_window(org, marker):
    now = timezone.now()
    return services.maintenance_window_create(organization=org, service=ServiceFactory(organization=org),
                                              starts_at=now, ends_at=now + timedelta(hours=1), reason=marker)


CASES = [
    IsolationCase(
        url_names=("integrations-list", "integrations-detail", "integrations-rotate-key"),
        make=make_integration_case,
        create_payload=lambda integration, org_b: {"name": "stolen", "kind": "webhook",
                                                   "service": integration.service_id},
        body={"name": "stolen", "enabled": False},
    ),
    IsolationCase(
        url_names=("alerts-list", "alerts-detail"),
        make=make_alert,
        creates_without_foreign_keys=True,
    ),
    IsolationCase(
        url_names=("maintenance-windows-list", "maintenance-windows-detail"),
        make=make_window,
        create_payload=lambda window, org_b: {
            "service": window.service_id, "starts_at": timezone.now().isoformat(),
            "ends_at": (timezone.now() + timedelta(hours=1)).isoformat(), "reason": "stolen"},
        body={"reason": "stolen"},
    ),
]
