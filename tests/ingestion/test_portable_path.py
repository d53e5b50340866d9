"""The run command's zero-setup database is SQLite, where the PostgreSQL fast path's SQL cannot
run: the same functions fall back to the ORM. The suite runs on PostgreSQL, so the fallback is
forced here and must give the same results through the HTTP endpoint."""

import pytest

from incidents.enums import IncidentStatus
from incidents.ingestion.models import Alert
from incidents.ingestion.services import fastpath
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def portable(monkeypatch):
    monkeypatch.setattr(fastpath, "_is_postgresql", lambda alias: False)


def event(key, action="trigger", dedup_key="disk-db-1"):
    body = {"routing_key": key, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        body["payload"] = {"summary": "Disk full", "source": "db-1", "severity": "critical"}
    return body


def test_dedup_ack_and_resolve_without_the_postgresql_fast_path(portable, integration_of, http):
    _integration, key = integration_of()
    for _ in range(3):
        assert http.post_json("/v2/enqueue", event(key)).status_code == 202
    incident = Incident.objects.get()
    assert (incident.status, incident.alert_count) == (IncidentStatus.TRIGGERED, 3)
    assert Alert.objects.filter(incident=incident).count() == 3
    assert fastpath.trigger_join(payload={}, service_id=incident.service_id, dedup_key="disk-db-1") is None

    assert http.post_json("/v2/enqueue", event(key, "acknowledge")).status_code == 202
    assert http.post_json("/v2/enqueue", event(key, "resolve")).status_code == 202
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert incident.acknowledged_at is not None

    assert http.post_json("/v2/enqueue", event(key)).status_code == 202
    incident.refresh_from_db()
    assert (incident.status, incident.alert_count) == (IncidentStatus.FIXING, 4)
