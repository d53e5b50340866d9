"""Component status derivation, the HTML page, and what never appears on it."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.utils import timezone

from comms.statuspage import selectors
from comms.statuspage.services import maintenance
from comms.statuspage.services import page as page_services
from incidents import services as incident_services
from tests.statuspage import factories

pytestmark = pytest.mark.django_db


def statuses(setup):
    state = selectors.page_state(selectors.page_get(organization=setup["org"]))
    return {c.name: c.status for c in state.components}, state


@pytest.mark.parametrize(("severity", "expected", "indicator"), [
    ("P0", "major_outage", "critical"), ("P1", "partial_outage", "major"),
    ("P2", "degraded_performance", "minor"), ("P3", "operational", "none"),
])
def test_component_status_follows_the_worst_open_incident(status_setup, severity, expected, indicator):
    factories.incident(status_setup["org"], status_setup["api"], severity=severity)
    found, state = statuses(status_setup)
    assert found == {"Website and API": expected, "Database": "operational"}
    assert state.indicator == indicator


def test_drills_resolved_incidents_and_overrides(status_setup):
    org = status_setup["org"]
    factories.incident(org, status_setup["api"], severity="P0", is_drill=True)
    done = factories.incident(org, status_setup["database"], severity="P0")
    incident_services.incident_resolve(incident=done, override_reason="test")
    assert statuses(status_setup)[0] == {"Website and API": "operational", "Database": "operational"}
    page_services.component_update(component=status_setup["db_component"], status_override="degraded_performance",
                                   override_reason="Replica lagging")
    assert statuses(status_setup)[0]["Database"] == "degraded_performance"


def test_group_shows_its_worst_child_and_maintenance_marks_components(status_setup):
    org = status_setup["org"]
    group = factories.component(org, "Platform")
    page_services.component_update(component=status_setup["db_component"], group=group)
    factories.incident(org, status_setup["database"], severity="P2")
    assert statuses(status_setup)[0]["Platform"] == "degraded_performance"
    start = timezone.now() + timedelta(hours=1)
    planned = maintenance.maintenance_create(organization=org, title="Upgrade", scheduled_for=start,
                                             scheduled_until=start + timedelta(hours=1),
                                             components=[status_setup["api_component"]])
    with time_machine.travel(start + timedelta(minutes=1)):
        maintenance.maintenances_tick()
        planned.refresh_from_db()
        assert planned.status == "in_progress"
        assert statuses(status_setup)[0]["Website and API"] == "under_maintenance"


def test_only_show_if_degraded_hides_a_healthy_component(status_setup, client):
    page_services.component_update(component=status_setup["db_component"], only_show_if_degraded=True)
    body = client.get(f"/status/{status_setup['org'].slug}/").content.decode()
    assert "Website and API" in body
    assert "<h3>Database</h3>" not in body


def test_the_page_is_readable_without_javascript(status_setup, client, make_member):
    org = status_setup["org"]
    commander = make_member(org, name="Zelda Commander").user
    incident = factories.incident(org, status_setup["api"], severity="P1", title="pgbouncer pool exhausted on db-7")
    incident_services.incident_assign_commander(incident=incident, commander=commander)
    factories.public_update(incident, title="Slow website", body="Pages load slowly; we are on it.")
    factories.public_update(incident, audience="internal", title="internal words", body="ssh db-7 and restart")
    response = client.get(f"/status/{org.slug}/")
    assert response.status_code == 200
    body = response.content.decode()
    for landmark in ("<main", "<header", "<footer", "<h1>", 'lang="en"'):
        assert landmark in body
    assert "<script" not in body
    assert "Partial System Outage" in body
    assert "Slow website" in body
    assert "Pages load slowly" in body
    for secret in ("pgbouncer", "db-7", "internal words", "Zelda"):
        assert secret not in body
    assert "/static/statuspage/status.css" in body
    assert finders.find("statuspage/status.css")


def test_past_incidents_and_uptime_within_history_days(status_setup, client):
    org = status_setup["org"]
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        old = factories.incident(org, status_setup["database"], severity="P0")
        factories.public_update(old, title="Database down", body="Down.")
        incident_services.incident_resolve(incident=old, override_reason="test")
    body = client.get(f"/status/{org.slug}/").content.decode()
    assert "Database down" in body
    assert "98.89 % uptime" in body  # 1 bad day in 90
    page_services.status_page_update(organization=org, history_days=7)
    body = client.get(f"/status/{org.slug}/").content.decode()
    assert "Database down" not in body
    recent = client.get(f"/status/{org.slug}/api/v2/incidents.json").json()["incidents"]
    assert [i["name"] for i in recent] == ["Database down"]  # the last 50, whatever the history days
