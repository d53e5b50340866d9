import pytest

from incidents import guards
from incidents.models import Severity
from tests.incidents.factories import IncidentFactory, ServiceFactory


@pytest.fixture
def make_incident(org):
    """make_incident(**fields) -> an Incident of ``org`` created through incident_create."""

    def make(**fields):
        fields.setdefault("organization", org)
        return IncidentFactory(**fields)

    return make


@pytest.fixture
def service(org):
    return ServiceFactory(organization=org, name="API")


@pytest.fixture
def incident(make_incident, service):
    return make_incident(title="API 5xx spike", severity="P1", service=service)


@pytest.fixture
def p0(org):
    return Severity.objects.get(organization=org, name="P0")


@pytest.fixture(autouse=True)
def _close_guards_set_aside(monkeypatch):
    """The state machine on its own: close guards other apps register (postmortems' post-mortem gate,
    tested in tests/postmortems) are set aside here, as test_events sets other apps' handlers aside."""
    monkeypatch.setattr(guards, "_close_guards", [])
