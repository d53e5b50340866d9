"""Issue 10, "one request opens unlimited incidents": one Alertmanager POST of 10,000 alerts
opened 1,525 incidents (each paged). Alerts, not requests, count against the rate limit; a
request carries at most INGESTION_MAX_ALERTS_PER_REQUEST alerts; beyond an integration's
storm threshold, new keys join one alert-storm incident that pages once."""

from datetime import UTC, datetime

import pytest
import time_machine

from incidents.enums import IncidentStatus, TimelineKind
from incidents.ingestion.models import Alert, AlertKey
from incidents.models import Incident, TimelineEvent
from tenancy.enums import Role
from tests.ingestion.conftest import integration_url

pytestmark = pytest.mark.django_db
# Storms are counted per clock minute: these tests stay inside one.
ONE_MINUTE = time_machine.travel(datetime(2026, 12, 1, 12, 0, 5, tzinfo=UTC), tick=False)


def group(count: int, status: str = "firing", prefix: str = "fp") -> dict:
    return {"version": "4", "status": status, "receiver": "foghorn", "alerts": [
        {"status": status, "labels": {"alertname": f"D{n}"}, "fingerprint": f"{prefix}{n}"}
        for n in range(count)]}


def stored():
    return Alert.objects.count(), Incident.objects.count(), TimelineEvent.objects.count(), AlertKey.objects.count()


def test_one_post_of_10000_alerts_is_refused_naming_the_cap_and_writes_nothing(integration_of, http):
    _integration, key = integration_of("alertmanager", rate_limit_per_minute=10_000_000, rate_limit_burst=10_000_000)
    body = group(10_000)
    assert len(str(body)) < 1024 * 1024  # within the body limit: the cap is what refuses it
    response = http.post_json(integration_url("alertmanager", key), body)
    assert response.status_code == 413
    body = response.json()
    assert "at most 1000" in body["message"]
    assert "max_alerts" in body["errors"]["alerts"][0]
    assert stored() == (0, 0, 0, 0)


def test_alerts_not_requests_count_against_the_rate_limit(integration_of, http):
    _integration, key = integration_of("alertmanager", rate_limit_per_minute=60, rate_limit_burst=10)
    url = integration_url("alertmanager", key)
    assert http.post_json(url, group(6)).status_code == 202
    refused = http.post_json(url, group(6, prefix="b"))  # 4 tokens left: the whole request waits
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "60 alerts a minute, burst 10" in refused.json()["errors"]["rate_limit"][0]
    assert http.post_json(url, group(4, prefix="c")).status_code == 202
    too_many = http.post_json(url, group(11, prefix="d"))  # more than the burst: never fits
    assert too_many.status_code == 429
    assert "At most 10 alerts at once" in too_many.json()["errors"]["rate_limit"][0]
    assert Alert.objects.count() == 10


@ONE_MINUTE
def test_beyond_the_storm_threshold_new_keys_join_one_storm_incident_that_pages_once(integration_of, http):
    integration, key = integration_of("alertmanager", rate_limit_per_minute=10_000_000, rate_limit_burst=10_000_000,
                                      storm_threshold_per_minute=5)
    response = http.post_json(integration_url("alertmanager", key), group(300))
    assert response.status_code == 202
    results = [event["result"] for event in response.json()["events"]]
    assert results == ["created"] * 5 + ["grouped"] * 295
    assert Incident.objects.count() == 6
    storm = Incident.objects.get(title=f"Alert storm: {integration.name}")
    assert storm.alert_count == 295
    assert sorted(storm.alerts.values_list("dedup_key", flat=True)) == sorted(f"fp{n}" for n in range(5, 300))
    assert TimelineEvent.objects.filter(kind=TimelineKind.INCIDENT_CREATED).count() == 6  # the storm paged once
    note = TimelineEvent.objects.get(incident=storm, kind=TimelineKind.SYSTEM)
    assert "more than 5 new incidents a minute" in note.payload["text"]

    again = http.post_json(integration_url("alertmanager", key), group(3, prefix="later"))
    assert [event["result"] for event in again.json()["events"]] == ["grouped"] * 3
    resolved = http.post_json(integration_url("alertmanager", key), group(300, status="resolved"))
    assert resolved.status_code == 202
    storm.refresh_from_db()
    assert storm.alert_count == 298
    assert Incident.objects.count() == 6
    assert Alert.objects.filter(incident=storm, status="firing").count() == 3


@ONE_MINUTE
def test_the_storm_threshold_is_configured_per_integration_through_the_api(org, integration_of, member_of, http):
    integration, key = integration_of("webhook", rate_limit_per_minute=10_000, rate_limit_burst=10_000)
    assert integration.storm_threshold_per_minute == 20
    _admin, client = member_of(Role.ADMIN)
    url = f"/api/v1/orgs/{org.slug}/integrations/{integration.pk}/"
    response = client.patch(url, {"storm_threshold_per_minute": 2}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["storm_threshold_per_minute"] == 2
    assert client.patch(url, {"storm_threshold_per_minute": -1}, format="json").status_code == 400
    results = [http.post_json(integration_url("webhook", key), {"title": f"t{n}", "dedup_key": f"k{n}"}).json()[
        "events"][0]["result"] for n in range(4)]
    assert results == ["created", "created", "grouped", "grouped"]
    assert Incident.objects.filter(status=IncidentStatus.TRIGGERED).count() == 3
