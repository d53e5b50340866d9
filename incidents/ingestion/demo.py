"""Demo data of ingestion: an Alertmanager and a PagerDuty-style integration for the demo org."""

from incidents.ingestion import services
from incidents.ingestion.enums import IntegrationKind
from incidents.ingestion.models import Integration
from incidents.models import Service
from tenancy.models import Organization

DEMO_INTEGRATIONS = [
    ("Prometheus Alertmanager", IntegrationKind.ALERTMANAGER),
    ("PagerDuty Events API v2", IntegrationKind.PAGERDUTY_V2),
]


def seed(organization: Organization) -> list[Integration]:
    """Create the demo integrations on the org's first service, once (safe to run again)."""
    service = Service.objects.filter(organization=organization).order_by("name").first()
    if service is None:
        return []  # the incidents demo makes the services; nothing to point at without one
    created = []
    for name, kind in DEMO_INTEGRATIONS:
        if Integration.objects.filter(organization=organization, name=name).exists():
            continue
        integration, _routing_key = services.integration_create(organization=organization, name=name, kind=kind,
                                                                service=service)
        created.append(integration)
    return created
