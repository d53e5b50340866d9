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


def test_change_events_from_the_real_client_show_on_the_services_incidents(events_client, api_client_for):
    """Issue 10: /v2/change/enqueue answered a 404 page; the plan's first hypothesis is "recent deployment?"."""
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import ChangeEvent
    from tenancy.enums import Role
    from tests.tenancy.factories import MembershipFactory, UserFactory

    organization = OrganizationFactory()
    service = ServiceFactory(organization=organization)
    _integration, key = make_integration(organization, kind="pagerduty_v2", service=service)
    other_org = OrganizationFactory()
    _other, other_key = make_integration(other_org, kind="pagerduty_v2", service=ServiceFactory(organization=other_org))
    client = events_client(key)

    long_ago = (timezone.now() - timedelta(days=3)).isoformat()
    client.submit("Deploy v41", source="ci", timestamp=long_ago)
    # submit() without a timestamp fails inside the client itself (its event_timestamp), so one is given.
    client.submit("Deploy v42 of the API", source="github-actions", custom_details={"commit": "abc123"},
                  links=[{"href": "https://ci.example.com/runs/42", "text": "CI run"}],
                  timestamp=timezone.now().isoformat())
    events_client(other_key).send_change_event(payload={"summary": "Other org's deploy", "source": "ci"})
    assert ChangeEvent.objects.filter(service=service).count() == 2
    with pytest.raises(pagerduty.Error):
        client.send_change_event(payload={"source": "ci"})  # no summary: PagerDuty's 400
    assert ChangeEvent.objects.count() == 3

    incident_id = client.trigger("API 5xx", "lb-1", dedup_key="api-5xx")
    assert incident_id == "api-5xx"
    incident = Incident.objects.get(organization=organization)
    member = MembershipFactory(organization=organization, role=Role.VIEWER, user=UserFactory())
    detail = api_client_for(member).get(f"/api/v1/orgs/{organization.slug}/incidents/{incident.number}/")
    assert detail.status_code == 200, detail.content
    changes = detail.json()["recent_changes"]
    assert [change["summary"] for change in changes] == ["Deploy v42 of the API"]
    assert changes[0]["custom_details"] == {"commit": "abc123"}
    assert changes[0]["links"] == [{"href": "https://ci.example.com/runs/42", "text": "CI run"}]
    assert changes[0]["source"] == "github-actions"
