"""A broker outage does not fail ingestion (the outbox sweeper re-drives); a database failure is a 503."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from incidents import events
from incidents.ingestion import services
from incidents.ingestion.models import Alert
from incidents.models import Incident, TimelineEvent
from tests.ingestion.conftest import integration_url, load_fixture


@pytest.fixture
def broker_down(monkeypatch):
    """A handler that wants every event, and a broker that refuses every message."""
    seen = []
    events.register("tests.ingestion.listener", seen.append)
    sent = []

    def refuse(*args, **kwargs):
        sent.append(args)
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(events.dispatch, "delay", refuse)
    yield sent
    events.unregister("tests.ingestion.listener")


@pytest.mark.django_db(transaction=True)
def test_ingestion_succeeds_with_the_broker_down_and_the_sweeper_finds_the_events(integration_of, http,
                                                                                  broker_down):
    _integration, key = integration_of()
    response = http.post_json("/v2/enqueue", {"routing_key": key, "event_action": "trigger", "dedup_key": "d",
                                              "payload": {"summary": "Disk full", "source": "db", "severity": "error"}})
    assert response.status_code == 202
    assert broker_down, "the dispatch was attempted after commit"
    incident = Incident.objects.get()
    assert Alert.objects.filter(incident=incident).count() == 1
    event_ids = set(TimelineEvent.objects.filter(incident=incident).values_list("pk", flat=True))
    pending = set(events.pending_event_ids(now=timezone.now() + timedelta(minutes=2)))
    assert event_ids <= pending


@pytest.mark.django_db
def test_database_failure_is_a_503_alertmanager_retries(integration_of, http, monkeypatch):
    _integration, key = integration_of("alertmanager")

    def fail(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "alert_ingest", fail)
    body = load_fixture("alertmanager-0.25-firing.json")["body"]
    response = http.post_json(integration_url("alertmanager", key), body)
    assert response.status_code == 503
    assert response["Retry-After"]


@pytest.mark.django_db
def test_redis_down_lets_events_in(integration_of, http, monkeypatch):
    import redis

    from incidents.ingestion import ratelimit

    _integration, key = integration_of("webhook")

    def down(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(ratelimit, "_script", lambda: down)
    assert http.post_json(integration_url("webhook", key), {"title": "x"}).status_code == 202


def _trigger(key: str, summary: str = "Disk full") -> dict:
    return {"routing_key": key, "event_action": "trigger", "dedup_key": "d",
            "payload": {"summary": summary, "source": "db", "severity": "error"}}


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_closed_while_idle_is_reopened_for_a_joining_alert(integration_of, http):
    """The join statement stands in for Django's per-request health check (CONN_HEALTH_CHECKS):
    a connection PostgreSQL dropped between requests is reopened and the alert still committed."""
    import psycopg
    from django.db import connection

    _integration, key = integration_of()
    assert http.post_json("/v2/enqueue", _trigger(key)).status_code == 202
    incident = Incident.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
                         password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.health_check_done = False  # a new request: Django would check the connection now

    response = http.post_json("/v2/enqueue", _trigger(key, "Disk still full"))

    assert response.status_code == 202
    incident.refresh_from_db()
    assert incident.alert_count == 2
    assert Alert.objects.filter(incident=incident).count() == 2
    assert TimelineEvent.objects.filter(incident=incident, kind="alert_received").count() == 2
