import pytest

from incidents import services as incident_services
from incidents.models import Service
from tenancy.enums import Role


@pytest.fixture
def alice(org, make_member):
    return make_member(org, Role.RESPONDER, name="Alice", email="alice@acme.test").user


@pytest.fixture
def service(org):
    return Service.objects.create(organization=org, name="Database")


@pytest.fixture
def resolve():
    """resolve(incident, actor=None) -> the incident resolved (override: the checklist is not the point)."""

    def run(incident, actor=None, **fields):
        return incident_services.incident_resolve(incident=incident, actor=actor, override_reason="tested", **fields)

    return run


@pytest.fixture
def p1_incident(org, alice, service):
    incident = incident_services.incident_create(organization=org, title="Database connection failure",
                                                 severity="P1", service=service, actor=alice)
    return incident_services.incident_acknowledge(incident=incident, actor=alice)
