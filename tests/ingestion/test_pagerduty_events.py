"""POST /v2/enqueue: PagerDuty Events API v2 shapes and the dedup/ack/resolve semantics."""

import json

import pytest

from incidents.enums import IncidentStatus, TimelineKind
from incidents.ingestion.models import Alert
from incidents.models import Incident, TimelineEvent
from tests.ingestion.conftest import load_fixture

pytestmark = pytest.mark.django_db
CAPTURED = load_fixture("pagerduty-client-7.2-events.json")


def trigger(key, dedup_key="disk-db-1", severity="critical", summary="Disk full"):
    return {"routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
            "payload": {"summary": summary, "source": "db-1", "severity": severity}}


def send(http, body):
    return http.post_json("/v2/enqueue", body)


def test_captured_client_requests_trigger_then_resolve(integration_of, http):
    _integration, key = integration_of()
    response = send(http, {**CAPTURED["trigger"], "routing_key": key})
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "disk-db-1"}
    incident = Incident.objects.get()
    assert (incident.title, incident.severity.name, incident.status, incident.alert_count) == (
        "Disk full", "P1", IncidentStatus.TRIGGERED, 1)
    assert incident.source == "pagerduty_v2"

    response = send(http, {**CAPTURED["resolve"], "routing_key": key})
    assert response.status_code == 202
    assert response.json()["dedup_key"] == "disk-db-1"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert Alert.objects.get().status == "resolved"
    kinds = list(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert TimelineKind.ALERTS_CLEARED in kinds
    cleared = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.STATUS_CHANGED, payload__to="monitoring")
    assert cleared.payload["system"] is True
    assert cleared.payload["note"] == "alerts cleared"


def test_dedup_key_is_generated_and_returned_when_absent(integration_of, http):
    _integration, key = integration_of()
    body = trigger(key)
    del body["dedup_key"]
    response = send(http, body)
    assert response.status_code == 202
    dedup_key = response.json()["dedup_key"]
    assert dedup_key
    assert Alert.objects.get().dedup_key == dedup_key


def test_same_dedup_key_joins_the_open_incident(integration_of, http):
    _integration, key = integration_of()
    assert send(http, trigger(key)).status_code == 202
    assert send(http, trigger(key)).status_code == 202
    incident = Incident.objects.get()
    assert incident.alert_count == 2
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.ALERT_RECEIVED).count() == 2
    assert TimelineEvent.objects.filter(kind=TimelineKind.INCIDENT_CREATED).count() == 1
    send(http, trigger(key, dedup_key="other"))
    assert Incident.objects.count() == 2


@pytest.mark.parametrize(("severity", "expected"), [("critical", "P1"), ("error", "P2"), ("warning", "P3"),
                                                    ("info", "P3")])
def test_severity_mapping_default(integration_of, http, severity, expected):
    _integration, key = integration_of()
    send(http, trigger(key, severity=severity))
    assert Incident.objects.get().severity.name == expected


def test_severity_mapping_per_integration(integration_of, http):
    _integration, key = integration_of(severity_mapping={"critical": "P0", "error": "P1", "warning": "P2",
                                                         "info": "P3"})
    send(http, trigger(key, severity="critical"))
    assert Incident.objects.get().severity.name == "P0"


def test_acknowledge_then_resolve_then_new_trigger_goes_back_to_fixing(integration_of, http):
    _integration, key = integration_of()
    send(http, trigger(key))
    response = send(http, {"routing_key": key, "event_action": "acknowledge", "dedup_key": "disk-db-1"})
    assert response.status_code == 202
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.acknowledged_at
    send(http, {"routing_key": key, "event_action": "resolve", "dedup_key": "disk-db-1"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    send(http, trigger(key))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FIXING
    assert Incident.objects.count() == 1
    assert incident.alert_count == 2


def test_new_trigger_while_monitoring_never_acknowledged_retriggers(integration_of, http):
    _integration, key = integration_of()
    send(http, trigger(key))
    send(http, {"routing_key": key, "event_action": "resolve", "dedup_key": "disk-db-1"})
    send(http, trigger(key))
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED


def test_incident_moves_to_monitoring_only_when_every_alert_is_resolved(integration_of, http):
    _integration, key = integration_of()
    send(http, trigger(key, dedup_key="a"))
    incident = Incident.objects.get()
    # A second alert joins the same incident (same key, later trigger) and a resolve clears both.
    send(http, trigger(key, dedup_key="a"))
    send(http, {"routing_key": key, "event_action": "resolve", "dedup_key": "a"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert not Alert.objects.filter(status="firing").exists()


def test_resolve_and_acknowledge_of_unknown_keys_are_accepted_and_change_nothing(integration_of, http):
    _integration, key = integration_of()
    for action in ("resolve", "acknowledge"):
        response = send(http, {"routing_key": key, "event_action": action, "dedup_key": "nope"})
        assert response.status_code == 202
    assert not Incident.objects.exists()
    assert not Alert.objects.exists()


def test_resolved_incident_is_not_joined(integration_of, http):
    from incidents import services as incident_services

    _integration, key = integration_of()
    send(http, trigger(key))
    incident_services.incident_resolve(incident=Incident.objects.get(), override_reason="done")
    send(http, trigger(key))
    assert Incident.objects.count() == 2


@pytest.mark.parametrize("body", [
    {"event_action": "explode", "dedup_key": "k"},
    {"event_action": "trigger"},
    {"event_action": "trigger", "payload": {"source": "y", "severity": "critical"}},
    {"event_action": "trigger", "payload": {"summary": "x", "severity": "critical"}},
    {"event_action": "trigger", "payload": {"summary": "x", "source": "y"}},
    {"event_action": "trigger", "payload": {"summary": "x", "source": "y", "severity": "fatal"}},
    {"event_action": "trigger", "payload": {"summary": "x" * 1025, "source": "y", "severity": "info"}},
    {"event_action": "trigger", "payload": {"summary": 5, "source": "y", "severity": "info"}},
    {"event_action": "trigger", "payload": "nope"},
    {"event_action": "trigger", "dedup_key": 7, "payload": {"summary": "x", "source": "y", "severity": "info"}},
    {"event_action": "resolve"},
    {"event_action": "acknowledge", "dedup_key": ""},
    {"event_action": "trigger", "payload": {"summary": "x", "source": "y", "severity": "info", "timestamp": "soon"}},
])
def test_invalid_events_answer_400_in_pagerduty_shape(integration_of, http, body):
    _integration, key = integration_of()
    response = send(http, {"routing_key": key, **body})
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["status"] == "invalid event"
    assert data["message"] == "Event object is invalid"
    assert isinstance(data["errors"], list)
    assert data["errors"]
    assert not Incident.objects.exists()
    assert not Alert.objects.exists()


@pytest.mark.parametrize("routing_key", ["k" * 32, "", None, 5, "x" * 5000])
def test_unknown_routing_key_is_400_and_reveals_nothing(db, http, routing_key):
    response = send(http, {"routing_key": routing_key, "event_action": "trigger",
                           "payload": {"summary": "x", "source": "y", "severity": "info"}})
    assert response.status_code == 400
    assert response.json() == {"status": "invalid event", "message": "Event object is invalid",
                               "errors": ["Invalid routing key"]}


def test_key_of_another_kind_is_unknown_here(integration_of, http):
    _integration, key = integration_of("webhook")
    response = send(http, trigger(key))
    assert response.status_code == 400
    assert response.json()["errors"] == ["Invalid routing key"]


def test_disabled_integration_is_refused(integration_of, http, org, member_of):
    from tenancy.enums import Role

    integration, key = integration_of()
    _admin, client = member_of(Role.ADMIN)
    client.patch(f"/api/v1/orgs/{org.slug}/integrations/{integration.pk}/", {"enabled": False}, format="json")
    response = send(http, trigger(key))
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_not_json_and_huge_bodies_are_4xx(integration_of, http):
    _integration, key = integration_of()
    assert send(http, "this is not json").status_code == 400
    assert send(http, b"\xff\xfe\x00").status_code == 400
    huge = json.dumps({"routing_key": key, "event_action": "trigger", "payload": {"summary": "x" * 10_000_000}})
    response = send(http, huge)
    assert response.status_code == 413
    assert response.json()["status"] == "invalid event"
    assert not Alert.objects.exists()


def test_get_is_not_allowed(db, http):
    assert http.get("/v2/enqueue").status_code == 405


def test_rate_limit_answers_429_with_retry_after(integration_of, http):
    _integration, key = integration_of(rate_limit_per_minute=60, rate_limit_burst=3)
    statuses = [send(http, trigger(key, dedup_key=f"k{i}")).status_code for i in range(5)]
    assert statuses == [202, 202, 202, 429, 429]
    response = send(http, trigger(key))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["status"] == "throttle event"
    assert Alert.objects.count() == 3


def test_default_rate_limit_is_120_a_minute_burst_60(integration_of, http):
    integration, key = integration_of()
    assert (integration.rate_limit_per_minute, integration.rate_limit_burst) == (120, 60)
    statuses = [send(http, {"routing_key": key, "event_action": "resolve", "dedup_key": "x"}).status_code
                for _ in range(80)]
    assert statuses[:60] == [202] * 60  # the burst
    assert 429 in statuses[60:]  # then 2 a second refill (a slow machine lets a few more in)


def test_a_stale_severity_mapping_never_refuses_an_alert(integration_of, http):
    from incidents.ingestion.models import Integration

    integration, key = integration_of()
    Integration.objects.filter(pk=integration.pk).update(severity_mapping={"critical": "P7"})
    assert send(http, trigger(key)).status_code == 202
    assert Incident.objects.get().severity.name == "P1"


@pytest.mark.parametrize(("per_minute", "round_trips"), [(120, 20), (6_000_000, 1)])
def test_a_high_rate_integration_makes_one_redis_round_trip_every_few_events(integration_of, http, monkeypatch,
                                                                           per_minute, round_trips):
    from incidents.ingestion import ratelimit

    script = ratelimit._script()
    calls = []

    def counting(**kwargs):
        calls.append(kwargs["args"])
        return script(**kwargs)

    monkeypatch.setattr(ratelimit, "_script", lambda: counting)
    monkeypatch.setattr(ratelimit, "LEASE_SECONDS", 60.0)  # however slow the test machine
    _integration, key = integration_of(rate_limit_per_minute=per_minute, rate_limit_burst=per_minute)
    assert [send(http, trigger(key, dedup_key=f"k{i}")).status_code for i in range(20)] == [202] * 20
    assert len(calls) == round_trips
    assert Alert.objects.count() == 20


def test_disabling_a_high_rate_integration_is_seen_on_the_next_event(integration_of, http):
    from incidents.ingestion import services

    integration, key = integration_of(rate_limit_per_minute=6_000_000, rate_limit_burst=6_000_000)
    assert send(http, trigger(key, dedup_key="a")).status_code == 202  # this process now holds a lease
    services.integration_update(integration=integration, enabled=False)
    response = send(http, trigger(key, dedup_key="b"))
    assert response.status_code == 400
    assert "disabled" in json.dumps(response.json())
    assert Alert.objects.count() == 1
