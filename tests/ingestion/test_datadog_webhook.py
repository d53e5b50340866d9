"""Datadog (documented template and default body) and the generic webhook."""

import pytest

from incidents.enums import IncidentStatus
from incidents.ingestion.models import Alert
from incidents.models import Incident
from tests.ingestion.conftest import integration_url

pytestmark = pytest.mark.django_db


def datadog_template(transition="Triggered", cycle="7262830651738791531", alert_type="error"):
    """What Datadog sends for the documented body, its $VARIABLES filled in."""
    return {"alert_cycle_key": cycle, "alert_transition": transition, "alert_id": "12345678",
            "aggregation_key": "a1b2c3", "scope": "host:web-1", "alert_type": alert_type, "priority": "normal",
            "title": f"[{transition}] CPU high on host:web-1", "body": "%%%\nCPU > 90%\n%%%",
            "date": "1764196276", "link": "https://app.datadoghq.com/monitors/12345678"}


def test_datadog_template_triggers_dedups_and_recovers(integration_of, http):
    _integration, key = integration_of("datadog")
    url = integration_url("datadog", key)
    response = http.post_json(url, datadog_template())
    assert response.status_code == 202
    assert response.json()["dedup_key"] == "7262830651738791531"
    http.post_json(url, datadog_template("Re-Triggered"))
    incident = Incident.objects.get()
    assert incident.alert_count == 2
    http.post_json(url, datadog_template("Recovered", alert_type="success"))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert not Alert.objects.filter(status="firing").exists()


def test_datadog_warn_maps_to_warning(integration_of, http):
    _integration, key = integration_of("datadog")
    http.post_json(integration_url("datadog", key), datadog_template("Warn", alert_type="warning"))
    assert Incident.objects.get().severity.name == "P3"


def test_datadog_default_body(integration_of, http):
    _integration, key = integration_of("datadog")
    url = integration_url("datadog", key)
    default = {"body": "CPU > 90%", "last_updated": "1764196276000", "event_type": "query_alert_monitor",
               "title": "[Triggered] CPU high on host:web-1", "date": "1764196276000",
               "org": {"id": "1", "name": "Acme"}, "id": "7262830651738791531"}
    assert http.post_json(url, default).status_code == 202
    incident = Incident.objects.get()
    assert incident.title == "[Triggered] CPU high on host:web-1"
    recovered = {**default, "title": "[Recovered] CPU high on host:web-1", "id": "2"}
    assert http.post_json(url, recovered).status_code == 202
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING


@pytest.mark.parametrize("body", [{}, {"title": 5}, {"alert_cycle_key": 5}, {"alert_transition": "Triggered"}, "x"])
def test_datadog_bad_input(integration_of, http, body):
    _integration, key = integration_of("datadog")
    response = http.post_json(integration_url("datadog", key), body)
    assert response.status_code == 400
    assert response.json()["message"]
    assert not Alert.objects.exists()


def test_webhook_trigger_ack_resolve(integration_of, http):
    _integration, key = integration_of("webhook")
    url = integration_url("webhook", key)
    response = http.post_json(url, {"title": "Queue backlog", "severity": "warning", "dedup_key": "q",
                                    "details": {"backlog": 12000}, "links": [{"href": "https://x", "text": "x"}]})
    assert response.status_code == 202
    assert response.json()["dedup_key"] == "q"
    incident = Incident.objects.get()
    assert incident.severity.name == "P3"
    assert Alert.objects.get().details == {"backlog": 12000}
    http.post_json(url, {"status": "acknowledge", "dedup_key": "q"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    http.post_json(url, {"status": "resolve", "dedup_key": "q"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING


def test_webhook_generates_a_dedup_key(integration_of, http):
    _integration, key = integration_of("webhook")
    response = http.post_json(integration_url("webhook", key), {"title": "Boom"})
    assert response.status_code == 202
    assert len(response.json()["dedup_key"]) == 32


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": "x", "severity": "fatal"}, {"title": "x", "status": 1},
                                  {"status": "resolve"}, {"title": "x", "details": []}, {"title": "x", "links": [1]},
                                  {"title": ["x"]}])
def test_webhook_bad_input(integration_of, http, body):
    _integration, key = integration_of("webhook")
    response = http.post_json(integration_url("webhook", key), body)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Alert.objects.exists()


def test_unknown_kind_unknown_key_wrong_kind_disabled(integration_of, http):
    integration, key = integration_of("webhook")
    assert http.post_json(integration_url("nagios", key), {"title": "x"}).status_code == 404
    assert http.post_json(integration_url("webhook", "z" * 32), {"title": "x"}).status_code == 404
    assert http.post_json(integration_url("datadog", key), {"title": "x"}).status_code == 404
    assert http.get(integration_url("webhook", key)).status_code == 405
    from incidents.ingestion import services

    services.integration_update(integration=integration, enabled=False)
    response = http.post_json(integration_url("webhook", key), {"title": "x"})
    assert response.status_code == 403
    assert "disabled" in response.json()["message"]
    assert not Alert.objects.exists()


def test_huge_body_is_413(integration_of, http):
    _integration, key = integration_of("webhook")
    response = http.post_json(integration_url("webhook", key), {"title": "x", "details": {"blob": "x" * 10_000_000}})
    assert response.status_code == 413
    assert not Alert.objects.exists()
