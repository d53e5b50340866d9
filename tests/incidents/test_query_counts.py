"""Opening an incident runs on the ingestion path of every new alert key: its queries are a budget.
The counts include savepoints (the test's transaction is the outer one): ingestion's own
transaction is one, ``incident_create`` adds none."""

import pytest

from incidents import services
from incidents.ingestion import services as ingestion_services
from incidents.ingestion.events import NormalizedEvent
from incidents.models import Severity
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def warm(org):
    """The org's counter row exists and the ORM's caches are warm, as on a running server."""
    services.incident_create(organization=org, title="warm-up", severity="P3")


def test_creating_an_incident_runs_3_queries(org, warm, django_assert_num_queries):
    """The severity by name, the org's default policy (the service has none of its own), then one
    statement for the number, the incident, its checklists and its event."""
    service = ServiceFactory(organization=org, name="Mailboxes")
    with django_assert_num_queries(3):
        incident = services.incident_create(organization=org, title="Mailbox down", severity="P2", service=service)
    assert incident.number == 2
    assert incident.checklist_items.count() > 0
    assert incident.timeline.get().payload["pages_nobody"] is True


def test_creating_an_incident_with_its_severity_row_does_not_look_it_up(org, warm, django_assert_num_queries):
    p2 = Severity.objects.get(organization=org, name="P2")
    with django_assert_num_queries(2):  # the default policy, then the one statement
        services.incident_create(organization=org, title="Mailbox down", severity=p2)


def test_an_alert_with_a_new_key_opens_an_incident_in_at_most_8_queries(org, warm, django_assert_max_num_queries):
    """Inside a transaction (an Alertmanager group; here the test's) the transactional path:
    savepoint, the slot's INSERT and its locked read (the ORM's INSERT returns no id when it
    ignores a conflict), severity, the org's default policy (the service has none), the incident's
    statement, the alert's (with its slot pointer and timeline event), release. The storm count is
    Redis's, the failed join statement before them one more round trip (not a Django query)."""
    service = ServiceFactory(organization=org, name="API")
    integration, _key = make_integration(org, kind="pagerduty_v2", service=service)
    with django_assert_max_num_queries(8):
        outcome = ingestion_services.alert_ingest(integration=integration, event=NormalizedEvent(
            action="trigger", dedup_key="disk-db-1", summary="Disk full", source="db-1"))
    assert outcome.result == "created"
