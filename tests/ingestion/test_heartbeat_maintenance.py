"""Heartbeats (late → incident, back → resolved), maintenance windows and auto-resolve."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from incidents import services as incident_services
from incidents.enums import IncidentStatus, TimelineKind
from incidents.ingestion import tasks
from incidents.ingestion.models import Alert
from incidents.models import Incident, TimelineEvent
from tenancy.enums import Role
from tests.ingestion.conftest import integration_url

pytestmark = pytest.mark.django_db


def test_heartbeat_late_triggers_and_a_beat_resolves(integration_of, http):
    _integration, key = integration_of("heartbeat", heartbeat_interval_minutes=5, heartbeat_timeout_minutes=2)
    url = integration_url("heartbeat", key)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert http.get(url).status_code == 200
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert tasks.heartbeats_check() == 0
        assert http.post(url).status_code == 200  # POST works too; pushes the deadline
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert tasks.heartbeats_check() == 1
        assert tasks.heartbeats_check() == 0  # once
    incident = Incident.objects.get()
    assert "Heartbeat" in incident.title
    assert incident.status == IncidentStatus.TRIGGERED
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        assert http.get(url).status_code == 200
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert Alert.objects.get().status == "resolved"


def test_a_heartbeat_waits_for_its_first_beat_then_is_late_after_interval_and_timeout(integration_of, http):
    """Issue 10: a new heartbeat paged "no beat since never" within minutes of its creation."""
    _integration, key = integration_of("heartbeat", heartbeat_interval_minutes=1, heartbeat_timeout_minutes=1)
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=3), tick=False):
        assert tasks.heartbeats_check() == 0  # the monitor was never set up: nothing is late yet
        assert http.get(integration_url("heartbeat", key)).status_code == 200
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert tasks.heartbeats_check() == 0
    with time_machine.travel(start + timedelta(days=3, minutes=3), tick=False):
        assert tasks.heartbeats_check() == 1
    assert Incident.objects.count() == 1


def test_heartbeat_disabled_is_not_checked_and_refused(integration_of, http):
    from incidents.ingestion import services

    integration, key = integration_of("heartbeat", heartbeat_interval_minutes=1, heartbeat_timeout_minutes=1)
    assert http.get(integration_url("heartbeat", key)).status_code == 200
    services.integration_update(integration=integration, enabled=False)
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert tasks.heartbeats_check() == 0
    assert http.get(integration_url("heartbeat", key)).status_code == 403


def window_body(service, starts, ends, reason="Database upgrade"):
    return {"service": service.pk, "starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "reason": reason}


def test_maintenance_window_api_and_suppression(org, service, integration_of, member_of, http):
    _integration, key = integration_of("webhook")
    _admin, client = member_of(Role.ADMIN)
    now = timezone.now()
    response = client.post(f"/api/v1/orgs/{org.slug}/maintenance-windows/",
                           window_body(service, now - timedelta(minutes=1), now + timedelta(hours=1)), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["active"] is True
    answer = http.post_json(integration_url("webhook", key), {"title": "DB down", "dedup_key": "db"})
    assert answer.status_code == 202
    assert not Incident.objects.exists()
    alert = Alert.objects.get()
    assert alert.suppressed_by_id == response.json()["id"]
    assert alert.incident_id is None
    shown = client.get(f"/api/v1/orgs/{org.slug}/alerts/?suppressed=true").json()["results"]
    assert [row["id"] for row in shown] == [alert.pk]
    assert shown[0]["suppressed"] is True

    # After the window, the same alert opens an incident.
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        http.post_json(integration_url("webhook", key), {"title": "DB down", "dedup_key": "db"})
    assert Incident.objects.count() == 1


def test_maintenance_window_roles_and_validation(org, service, member_of):
    now = timezone.now()
    url = f"/api/v1/orgs/{org.slug}/maintenance-windows/"
    _responder, responder_client = member_of(Role.RESPONDER)
    assert responder_client.post(url, window_body(service, now, now + timedelta(hours=1)),
                                 format="json").status_code == 403
    _admin, client = member_of(Role.ADMIN)
    bad = client.post(url, window_body(service, now, now - timedelta(hours=1)), format="json")
    assert bad.status_code == 400
    assert "ends_at" in bad.json()["errors"]
    assert client.get(url).status_code == 200


def test_window_end_is_on_the_timeline_and_alerts_on_open_incidents_are_suppressed(org, service, integration_of,
                                                                                     member_of, http):
    _integration, key = integration_of("webhook")
    url = integration_url("webhook", key)
    http.post_json(url, {"title": "Slow queries", "dedup_key": "slow"})
    incident = Incident.objects.get()
    _admin, client = member_of(Role.ADMIN)
    now = timezone.now()
    client.post(f"/api/v1/orgs/{org.slug}/maintenance-windows/",
                window_body(service, now - timedelta(minutes=1), now + timedelta(minutes=30)), format="json")
    http.post_json(url, {"title": "Slow queries", "dedup_key": "slow"})
    incident.refresh_from_db()
    assert incident.alert_count == 1
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.MAINTENANCE_SUPPRESSED).count() == 1
    with time_machine.travel(now + timedelta(minutes=31), tick=False):
        assert tasks.maintenance_windows_record_ends() == 1
        assert tasks.maintenance_windows_record_ends() == 0
    ended = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.SYSTEM)
    assert "Maintenance window" in ended.payload["text"]
    assert ended.payload["suppressed_alerts"] == 1


def _trigger_and_clear(http, key):
    url = integration_url("webhook", key)
    http.post_json(url, {"title": "Flapping", "dedup_key": "f"})
    http.post_json(url, {"status": "resolve", "dedup_key": "f"})
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.MONITORING
    return incident


def test_auto_resolve_after_30_minutes_in_monitoring(integration_of, http):
    _integration, key = integration_of("webhook", auto_resolve=True)
    incident = _trigger_and_clear(http, key)
    with time_machine.travel(timezone.now() + timedelta(minutes=29), tick=False):
        assert tasks.incidents_auto_resolve() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert tasks.incidents_auto_resolve() == 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


def test_auto_resolve_is_off_by_default(integration_of, http):
    _integration, key = integration_of("webhook")
    incident = _trigger_and_clear(http, key)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert tasks.incidents_auto_resolve() == 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING


def test_auto_resolve_waits_when_a_new_alert_came(integration_of, http):
    _integration, key = integration_of("webhook", auto_resolve=True)
    incident = _trigger_and_clear(http, key)
    incident_services.incident_acknowledge(incident=incident)  # no-op: past triggered
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        http.post_json(integration_url("webhook", key), {"title": "Flapping", "dedup_key": "f"})
        http.post_json(integration_url("webhook", key), {"status": "resolve", "dedup_key": "f"})
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert tasks.incidents_auto_resolve() == 0
    with time_machine.travel(start + timedelta(minutes=51), tick=False):
        assert tasks.incidents_auto_resolve() == 1
