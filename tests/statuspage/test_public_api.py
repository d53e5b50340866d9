"""The Statuspage-compatible JSON: shapes and enum values against a real Statuspage answer
(tests/fixtures/statuspage-summary.json), ETag/304, HEAD, CORS, caching, and the disabled page."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from comms.statuspage.enums import ENDPOINTS
from comms.statuspage.services import maintenance
from comms.statuspage.services import page as page_services
from incidents import services as incident_services
from tests.statuspage import factories

pytestmark = pytest.mark.django_db
REAL = json.loads((Path(__file__).parents[1] / "fixtures" / "statuspage-summary.json").read_text())
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}
INDICATORS = {"none": "All Systems Operational", "minor": "Minor Service Outage", "major": "Partial System Outage",
              "critical": "Major System Outage"}


def get(client, org, name):
    response = client.get(f"/status/{org.slug}/api/v2/{name}.json")
    assert response.status_code == 200, name
    return response.json()


@pytest.fixture
def busy_page(status_setup):
    """A group, an open P1 with two public updates, a resolved P0, an upcoming and an active maintenance."""
    org = status_setup["org"]
    group = factories.component(org, "Platform", position=3)
    page_services.component_update(component=status_setup["db_component"], group=group)
    incident = factories.incident(org, status_setup["api"], severity="P1")
    factories.public_update(incident, status="investigating", body="Looking.")
    factories.public_update(incident, status="fixing", body="Found it.")
    old = factories.incident(org, status_setup["database"], severity="P0")
    factories.public_update(old, status="resolved", title="Database outage", body="Fixed.")
    incident_services.incident_resolve(incident=old, override_reason="test")
    now = timezone.now()
    maintenance.maintenance_create(organization=org, title="Later", scheduled_for=now + timedelta(days=1),
                                   scheduled_until=now + timedelta(days=1, hours=1),
                                   components=[status_setup["api_component"]])
    active = maintenance.maintenance_create(organization=org, title="Now", scheduled_for=now + timedelta(hours=1),
                                            scheduled_until=now + timedelta(hours=2),
                                            components=[status_setup["db_component"]])
    maintenance.maintenance_transition(maintenance=active, status="in_progress")
    return status_setup


def test_summary_has_exactly_the_keys_of_a_real_statuspage_answer(busy_page, client):
    ours = get(client, busy_page["org"], "summary")
    assert set(ours) == set(REAL)
    assert set(ours["page"]) == set(REAL["page"])
    assert set(ours["status"]) == set(REAL["status"])
    real_child, real_group = REAL["components"]
    group = next(c for c in ours["components"] if c["group"])
    child = next(c for c in ours["components"] if c["group_id"])
    assert set(group) == set(real_group)
    assert set(child) == set(real_child)
    assert group["components"] == [child["id"]]
    [incident] = ours["incidents"]
    real_incident = REAL["incidents"][0]
    assert set(incident) == set(real_incident)
    assert set(incident["incident_updates"][0]) == set(real_incident["incident_updates"][0])
    assert set(incident["incident_updates"][0]["affected_components"][0]) == set(
        real_incident["incident_updates"][0]["affected_components"][0])
    assert set(incident["components"][0]) == set(real_incident["components"][0])
    real_maintenance = REAL["scheduled_maintenances"][0]
    assert len(ours["scheduled_maintenances"]) == 2
    for item in ours["scheduled_maintenances"]:
        assert set(item) == set(real_maintenance)
        assert set(item["incident_updates"][0]) == set(real_maintenance["incident_updates"][0])


def test_values_are_statuspage_values(busy_page, client):
    org = busy_page["org"]
    summary = get(client, org, "summary")
    assert INDICATORS[summary["status"]["indicator"]] == summary["status"]["description"]
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert {c["status"] for c in summary["components"]} <= COMPONENT_STATUSES
    [incident] = summary["incidents"]
    assert incident["status"] == "identified"
    assert incident["impact"] == "major"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]  # newest first
    assert incident["incident_updates"][0]["incident_id"] == incident["id"]
    for name in ENDPOINTS:
        body = get(client, org, name)
        assert set(body["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
        for item in body.get("incidents", []):
            assert item["status"] in INCIDENT_STATUSES
            assert item["impact"] in IMPACTS
        for item in body.get("scheduled_maintenances", []):
            assert item["status"] in MAINTENANCE_STATUSES
            assert item["impact"] == "maintenance"
    assert [i["name"] for i in get(client, org, "incidents")["incidents"]] == ["Database outage",  # newest first
                                                                                 "Errors on the website"]
    assert get(client, org, "incidents/unresolved")["incidents"][0]["status"] == "identified"
    assert [m["status"] for m in get(client, org, "scheduled-maintenances/upcoming")["scheduled_maintenances"]] == [
        "scheduled"]
    assert [m["status"] for m in get(client, org, "scheduled-maintenances/active")["scheduled_maintenances"]] == [
        "in_progress"]


def test_ids_are_opaque_and_times_carry_the_page_offset(busy_page, client):
    summary = get(client, busy_page["org"], "summary")
    incident = summary["incidents"][0]
    assert len(incident["id"]) == 12
    assert not incident["id"].isdigit()
    assert summary["page"]["time_zone"] == "Europe/Berlin"
    assert summary["page"]["updated_at"][-6:] in ("+01:00", "+02:00")
    assert get(client, busy_page["org"], "summary")["incidents"][0]["id"] == incident["id"]  # stable


def test_drills_and_internal_updates_appear_nowhere(status_setup, client):
    org = status_setup["org"]
    drill = factories.incident(org, status_setup["api"], severity="P0", is_drill=True)
    factories.public_update(drill, title="DRILL-TITLE", body="drill body")
    real = factories.incident(org, status_setup["database"], severity="P2", title="INTERNAL-TITLE")
    factories.public_update(real, audience="internal", title="INTERNAL-UPDATE", body="internal body")
    urls = [f"/status/{org.slug}/api/v2/{name}.json" for name in ENDPOINTS]
    urls += [f"/status/{org.slug}/", f"/status/{org.slug}/history.atom", f"/status/{org.slug}/history.rss"]
    for url in urls:
        body = client.get(url).content.decode()
        for secret in ("DRILL-TITLE", "drill body", "INTERNAL-TITLE", "INTERNAL-UPDATE", "internal body"):
            assert secret not in body, (url, secret)
    assert get(client, org, "incidents")["incidents"] == []


def test_etag_last_modified_304_head_and_cors(status_setup, client):
    url = f"/status/{status_setup['org'].slug}/api/v2/summary.json"
    first = client.get(url)
    assert first["Access-Control-Allow-Origin"] == "*"
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == etag
    assert client.post(url).status_code == 405
    incident = factories.incident(status_setup["org"], status_setup["api"], severity="P1")
    factories.public_update(incident)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_herd_of_widgets_costs_one_query_set(status_setup, client, settings, django_assert_num_queries):
    settings.STATUSPAGE_CACHE_SECONDS = 5
    url = f"/status/{status_setup['org'].slug}/api/v2/summary.json"
    first = client.get(url)
    with django_assert_num_queries(0):
        for _ in range(20):
            assert client.get(url).content == first.content


def test_a_disabled_or_unknown_page_is_a_404_everywhere(status_setup, client):
    org = status_setup["org"]
    page_services.status_page_update(organization=org, enabled=False)
    paths = [f"api/v2/{name}.json" for name in ENDPOINTS] + ["", "history.atom", "history.rss"]
    for slug in (org.slug, "no-such-org"):
        for path in paths:
            assert client.get(f"/status/{slug}/{path}").status_code == 404, path
        assert client.post(f"/status/{slug}/subscribe", {"email": "a@example.test"}).status_code == 404
        assert client.get(f"/status/{slug}/subscription/confirm/x/").status_code == 404
        assert client.get(f"/status/{slug}/subscription/x/").status_code == 404
    assert client.get(f"/status/{org.slug}/api/v2/nothing.json").status_code == 404


def test_public_routes_answer_garbage_with_a_4xx(status_setup, client):
    slug = status_setup["org"].slug
    for body in ("x", "[]", '{"email": ["a"]}', '{"email": "a@example.test", "components": "all"}', "{"):
        response = client.post(f"/status/{slug}/subscribe", body, content_type="application/json",
                               REMOTE_ADDR="10.9.0.1")
        assert 400 <= response.status_code < 500, body
    assert client.post(f"/status/{slug}/subscribe", {"email": ""}).status_code == 400
    for path in ("subscription/confirm/garbage/", "subscription/a:b:c/", "subscription/x/unsubscribe"):
        assert client.get(f"/status/{slug}/{path}").status_code == 404
        assert client.post(f"/status/{slug}/{path}", {"action": "unsubscribe"}).status_code == 404
    assert client.get(f"/status/{slug}/api/v2/../summary.json").status_code == 404
    assert client.delete(f"/status/{slug}/").status_code == 405
