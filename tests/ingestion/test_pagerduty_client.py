"""The real ``pagerduty`` client from PyPI (EventsApiV2Client) against a live Foghorn over TLS."""

import ssl

import pagerduty
import pytest

from incidents.enums import IncidentStatus
from incidents.ingestion.models import Alert
from incidents.models import Incident
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration
from tests.ingestion.tls_server import start_tls_server
from tests.tenancy.factories import OrganizationFactory


@pytest.fixture
def tls_live_server(transactional_db, tmp_path):
    server = start_tls_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def events_client(tls_live_server):
    def make(routing_key):
        context = ssl.create_default_context(cafile=str(tls_live_server.ca_file))
        client = pagerduty.EventsApiV2Client(routing_key, base_url=tls_live_server.url, verify=context)
        client.max_network_attempts = 1
        return client

    return make


def test_trigger_acknowledge_resolve_with_the_real_client(events_client):
    organization = OrganizationFactory()
    _integration, key = make_integration(organization, kind="pagerduty_v2",
                                         service=ServiceFactory(organization=organization))
    client = events_client(key)

    dedup_key = client.trigger("Disk full", "db-1", dedup_key="disk-db-1", severity="critical",
                               custom_details={"free": "0%"})
    assert dedup_key == "disk-db-1"
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    assert incident.severity.name == "P1"

    generated = client.trigger("CPU high", "web-1", severity="warning")
    assert generated
    assert generated != dedup_key
    assert Incident.objects.count() == 2

    assert client.acknowledge("disk-db-1") == "disk-db-1"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED

    client.resolve("disk-db-1")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert Alert.objects.get(dedup_key="disk-db-1").status == "resolved"


def test_real_client_sees_an_unknown_key_as_an_error(events_client):
    client = events_client("k" * 32)
    with pytest.raises(pagerduty.Error):
        client.trigger("Disk full", "db-1")
