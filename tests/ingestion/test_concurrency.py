"""Concurrent triggers with one dedup key open exactly one incident (real PostgreSQL, real threads)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from incidents.ingestion import services
from incidents.ingestion.enums import EventAction
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import Alert
from incidents.models import Incident
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration
from tests.tenancy.factories import OrganizationFactory

PARALLEL = 16


@pytest.mark.django_db(transaction=True)
def test_parallel_http_triggers_with_one_dedup_key_open_one_incident(live_server):
    organization = OrganizationFactory()
    _integration, key = make_integration(organization, kind="pagerduty_v2",
                                         service=ServiceFactory(organization=organization))
    barrier = threading.Barrier(PARALLEL)
    body = {"routing_key": key, "event_action": "trigger", "dedup_key": "same",
            "payload": {"summary": "Disk full", "source": "db-1", "severity": "critical"}}

    def fire(_):
        barrier.wait()
        return requests.post(f"{live_server.url}/v2/enqueue", json=body, timeout=30).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(fire, range(PARALLEL)))
    assert statuses == [202] * PARALLEL
    incident = Incident.objects.get()
    assert incident.alert_count == PARALLEL
    assert Alert.objects.filter(incident=incident).count() == PARALLEL


def trigger_in_parallel(integration, dedup_key_of) -> list[str]:
    """PARALLEL triggers at once, each on its own connection; their results."""
    barrier = threading.Barrier(PARALLEL)

    def trigger(index):
        try:
            barrier.wait()
            return services.alert_ingest(integration=integration, event=NormalizedEvent(
                action=EventAction.TRIGGER, dedup_key=dedup_key_of(index), summary=f"alert {index}")).result
        finally:
            connection.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(trigger, range(PARALLEL)))


@pytest.mark.django_db(transaction=True)
def test_parallel_service_calls_trigger_and_resolve_stay_consistent():
    organization = OrganizationFactory()
    integration, _key = make_integration(organization, kind="webhook",
                                         service=ServiceFactory(organization=organization))
    trigger_in_parallel(integration, lambda _index: "k")
    assert Incident.objects.count() == 1
    services.alert_ingest(integration=integration, event=NormalizedEvent(action=EventAction.RESOLVE, dedup_key="k"))
    assert Incident.objects.get().status == "monitoring"


@pytest.mark.django_db(transaction=True)
def test_parallel_new_keys_open_incidents_numbered_consecutively():
    """New keys at once in one org: each opens its own incident, numbers 1..N with no gap or
    duplicate, and each incident has its checklists, its alert and both timeline events."""
    organization = OrganizationFactory()
    integration, _key = make_integration(organization, kind="webhook",
                                         service=ServiceFactory(organization=organization))
    results = trigger_in_parallel(integration, lambda index: f"new-{index}")
    assert results == ["created"] * PARALLEL
    incidents = Incident.objects.filter(organization=organization)
    assert sorted(incidents.values_list("number", flat=True)) == list(range(1, PARALLEL + 1))
    for incident in incidents:
        assert incident.alert_count == 1
        assert incident.checklist_items.exists()
        kinds = list(incident.timeline.values_list("kind", flat=True))  # paging (eager here) adds its own
        assert (kinds.count("incident_created"), kinds.count("alert_received")) == (1, 1)
