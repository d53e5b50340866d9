"""The alert-storm path as production serves it: config.wsgi's MachineHandler for the ingestion
routes (no middleware, no request signals), and the one-statement join, committed durably unless
``INGESTION_ASYNC_COMMIT_JOINS`` opts in to an asynchronous commit (its own transaction only)."""

import io
import json
import sys

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.wsgi import application
from incidents import services as incident_services
from incidents import sql
from incidents.ingestion.enums import EventAction
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import Alert, AlertKey
from incidents.ingestion.services import alert_ingest
from incidents.models import Incident, IncidentSequence, TimelineEvent


def wsgi(method: str, path: str, body: bytes = b"", host: str = "127.0.0.1") -> tuple[str, dict, bytes]:
    """One request straight through config.wsgi.application, as gunicorn makes it."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "HTTP_HOST": host, "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json"}
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=dict(headers))

    result = application(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):  # as a WSGI server does
            result.close()
    return started["status"], started["headers"], content


def trigger(key: str, dedup_key: str = "disk-db-1") -> bytes:
    return json.dumps({"routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
                       "payload": {"summary": "Disk full", "source": "db-1", "severity": "error"}}).encode()


@pytest.mark.django_db(transaction=True)
def test_ingestion_routes_take_the_short_path_and_everything_else_the_full_stack(integration_of):
    _integration, key = integration_of("pagerduty_v2")
    status, headers, content = wsgi("POST", "/v2/enqueue", trigger(key))
    assert status.startswith("202"), content
    assert json.loads(content)["dedup_key"] == "disk-db-1"
    assert "X-Frame-Options" not in headers  # no clickjacking middleware on a monitor's route
    assert headers["Content-Length"] == str(len(content))
    assert Alert.objects.get().dedup_key == "disk-db-1"

    status, headers, _content = wsgi("GET", "/healthz")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db(transaction=True)
def test_the_short_path_answers_bad_input_and_unknown_routes_with_json_4xx(integration_of):
    _integration, key = integration_of("alertmanager")
    status, _headers, content = wsgi("POST", f"/integrations/v1/alertmanager/{key}/", b"{not json")
    assert status.startswith("400")
    assert json.loads(content)["errors"] == {"body": ["Not valid JSON."]}
    status, _headers, content = wsgi("POST", "/integrations/v1/", b"{}")
    assert status.startswith("404")
    assert json.loads(content)["errors"] == {"path": ["No such endpoint."]}
    status, _headers, _content = wsgi("GET", "/v2/enqueue")
    assert status.startswith("405")
    status, _headers, _content = wsgi("POST", f"/integrations/v1/alertmanager/{key}/", b"{}", host="evil.example")
    assert status.startswith("400")  # ALLOWED_HOSTS holds here too
    assert not Alert.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_bug_on_the_short_path_is_djangos_logged_500_not_a_crashed_worker(integration_of, monkeypatch, caplog):
    _integration, key = integration_of("pagerduty_v2")

    def broken(**_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("incidents.ingestion.services.alert_ingest", broken)
    status, _headers, _content = wsgi("POST", "/v2/enqueue", trigger(key))
    assert status.startswith("500")
    assert any(record.name == "django.request" and record.exc_info for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_a_monitor_url_without_its_trailing_slash_is_served_not_redirected(integration_of):
    _integration, key = integration_of("webhook")
    status, _headers, content = wsgi("POST", f"/integrations/v1/webhook/{key}",
                                     json.dumps({"title": "Queue backlog", "dedup_key": "q"}).encode())
    assert status.startswith("202"), content
    assert Alert.objects.get().dedup_key == "q"


def _join_sql(asynchronous: bool) -> str:
    names = ("organization_id", "integration_id", "service_id", "dedup_key", "summary")
    return sql.alert_join_sql(connection.alias, Alert, AlertKey, names, asynchronous)[0]


@pytest.mark.django_db(transaction=True)
def test_a_join_is_durable_by_default(integration_of, settings):
    assert settings.INGESTION_ASYNC_COMMIT_JOINS is False
    assert "synchronous_commit" not in _join_sql(False)
    integration, _key = integration_of("webhook")
    event = NormalizedEvent(action=EventAction.TRIGGER, dedup_key="k", summary="Disk full")
    assert [alert_ingest(integration=integration, event=event).result for _ in range(2)] == ["created", "joined"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
    assert Incident.objects.get().alert_count == 2


@pytest.mark.django_db(transaction=True)
def test_an_opted_in_asynchronous_join_commits_on_its_own_without_changing_the_connection(integration_of, settings):
    settings.INGESTION_ASYNC_COMMIT_JOINS = True
    assert "synchronous_commit" in _join_sql(True)
    integration, _key = integration_of("webhook")
    event = NormalizedEvent(action=EventAction.TRIGGER, dedup_key="k", summary="Disk full")
    created = alert_ingest(integration=integration, event=event)
    joined = alert_ingest(integration=integration, event=event)
    assert (created.result, joined.result) == ("created", "joined")
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:  # set_config(..., true) lasted for that transaction only
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
    incident = Incident.objects.get()
    assert incident.alert_count == 2
    assert Alert.objects.filter(incident=incident).count() == 2
    assert TimelineEvent.objects.filter(incident=incident, kind="alert_received", payload__joined=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_join_leaves_its_durability_alone(integration_of, settings):
    settings.INGESTION_ASYNC_COMMIT_JOINS = True
    integration, _key = integration_of("webhook")
    event = NormalizedEvent(action=EventAction.TRIGGER, dedup_key="k", summary="Disk full")
    alert_ingest(integration=integration, event=event)
    with transaction.atomic():
        assert alert_ingest(integration=integration, event=event).result == "joined"
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("on",)
    assert Incident.objects.get().alert_count == 2


@pytest.mark.django_db(transaction=True)
def test_a_new_key_opens_its_incident_and_alert_in_one_statement_of_its_own(integration_of):
    """Outside a transaction a new key's incident, alert, slot and both events are one statement,
    which commits on its own: the org's number counter is held only while the server runs it. (For an
    integration that never groups storms; with a threshold the transactional path counts new keys.)"""
    integration, _key = integration_of("webhook", storm_threshold_per_minute=0)
    event = NormalizedEvent(action=EventAction.TRIGGER, dedup_key="k", summary="Disk full")
    with CaptureQueriesContext(connection) as queries:
        outcome = alert_ingest(integration=integration, event=event)
    assert outcome.result == "created"
    statements = [query["sql"] for query in queries.captured_queries]
    opening = next(n for n, statement in enumerate(statements) if statement.startswith("WITH allocated AS"))
    # Before it only the severity's and the default policy's reads: no BEGIN, no lock. (After it, the
    # outbox's dispatch of incident_created, inline in the tests.)
    assert len(statements[:opening]) == 2
    assert all(statement.startswith("SELECT") for statement in statements[:opening])
    incident = Incident.objects.get()
    assert (incident.pk, incident.number, incident.alert_count) == (outcome.incident_id, 1, 1)
    assert AlertKey.objects.get(dedup_key="k").incident_id == incident.pk
    alert = Alert.objects.get()
    assert (alert.pk, alert.incident_id) == (outcome.alert_id, incident.pk)
    kinds = set(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert {"alert_received", "incident_created"} <= kinds
    assert TimelineEvent.objects.get(kind="alert_received").payload["joined"] is False
    assert incident.checklist_items.count() > 0


@pytest.mark.django_db(transaction=True)
def test_a_slot_that_names_an_incident_makes_the_one_statement_write_nothing(integration_of):
    """A key whose slot names a resolved incident: the statement claims nothing — no number used, no
    row — and the transactional path opens the next incident, numbered without a gap."""
    integration, _key = integration_of("webhook", storm_threshold_per_minute=0)
    event = NormalizedEvent(action=EventAction.TRIGGER, dedup_key="k", summary="Disk full")
    first = alert_ingest(integration=integration, event=event)
    incident_services.incident_resolve(incident=Incident.objects.get(pk=first.incident_id), override_reason="ok")
    values = {"organization_id": integration.organization_id, "integration_id": integration.pk,
              "service_id": integration.service_id, "dedup_key": "k", "summary": "again"}
    refused = incident_services.incident_open_for_alert(
        organization=integration.organization, title="again", severity="P1", service=integration.service,
        source="webhook", detected_at=None, alert_model=Alert, slot_model=AlertKey, dedup_key="k", values=values,
        payload={})
    assert refused is None
    assert IncidentSequence.objects.get(organization=integration.organization).last_number == 1
    assert (Incident.objects.count(), Alert.objects.count()) == (1, 1)
    again = alert_ingest(integration=integration, event=event)
    assert again.result == "created"
    assert Incident.objects.get(pk=again.incident_id).number == 2
    assert AlertKey.objects.get(dedup_key="k").incident_id == again.incident_id


def test_the_join_statement_sends_each_value_once():
    statement, names = sql._bind("a = %(x)s AND b = %(y)s AND c = %(x)s::bigint")
    assert (statement, names) == ("a = $1 AND b = $2 AND c = $1::bigint", ("x", "y"))
    with pytest.raises(ValueError, match="it's"):
        sql._literal("it's")


@pytest.mark.django_db(transaction=True)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["alertmanager", "datadog", "cloudwatch", "webhook", "heartbeat", "pagerduty_v2", "x"]),
       tail=st.text(max_size=40), method=st.sampled_from(["GET", "POST", "PUT", "HEAD"]), body=st.binary(max_size=300))
def test_the_short_path_never_answers_a_5xx_to_garbage(kind, tail, method, body):
    path = f"/integrations/v1/{kind}/{tail}"
    status, _headers, _content = wsgi(method, path.encode("utf-8", "surrogatepass").decode("latin-1"), body)
    assert int(status[:3]) < 500, (method, path, status)
