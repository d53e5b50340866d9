from incidents.ingestion import services
from tests.incidents.factories import ServiceFactory


def make_integration(organization, kind="pagerduty_v2", service=None, name=None, **options):
    """An integration through the service; returns (integration, routing_key)."""
    service = service or ServiceFactory(organization=organization)
    return services.integration_create(organization=organization, name=name or f"{kind} integration", kind=kind,
                                       service=service, **options)
