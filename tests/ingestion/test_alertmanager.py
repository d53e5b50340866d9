"""POST /integrations/v1/alertmanager/<key>/ with the captured Alertmanager 0.25 requests."""

import base64
import copy
from urllib.parse import urlsplit

import pytest

from incidents.enums import IncidentStatus
from incidents.ingestion.models import Alert
from incidents.models import Incident, TimelineEvent
from tests.ingestion.conftest import integration_url, load_fixture

pytestmark = pytest.mark.django_db
FIRING = load_fixture("alertmanager-0.25-firing.json")
RESOLVED = load_fixture("alertmanager-0.25-resolved.json")


def headers_of(captured):
    return {"HTTP_AUTHORIZATION": captured["headers"]["Authorization"],
            "HTTP_USER_AGENT": captured["headers"]["User-Agent"]}


@pytest.fixture
def alertmanager(integration_of):
    """An Alertmanager integration with the fixture's basic auth (am / s3cret)."""
    integration, key = integration_of("alertmanager", basic_auth_username="am", basic_auth_password="s3cret")
    return integration, integration_url("alertmanager", key)


def post(http, url, captured, **headers):
    return http.post_json(url, captured["body"], **{**headers_of(captured), **headers})


def test_firing_opens_an_incident_keyed_by_fingerprint(alertmanager, http):
    _integration, url = alertmanager
    response = post(http, url, FIRING)
    assert response.status_code == 202, response.content
    incident = Incident.objects.get()
    alert = Alert.objects.get()
    assert alert.dedup_key == "dc667fabad98b2d0"
    assert incident.title == "[HighErrorRate] 5xx > 5%"
    assert incident.severity.name == "P1"
    assert incident.status == IncidentStatus.TRIGGERED


def test_resent_firing_group_changes_nothing(alertmanager, http):
    _integration, url = alertmanager
    post(http, url, FIRING)
    incident = Incident.objects.get()
    events = TimelineEvent.objects.count()
    for _ in range(3):
        assert post(http, url, FIRING).status_code == 202
    incident.refresh_from_db()
    assert (Incident.objects.count(), Alert.objects.count(), incident.alert_count) == (1, 1, 1)
    assert TimelineEvent.objects.count() == events


def test_resolved_resolves_the_alert_and_moves_the_incident_to_monitoring(alertmanager, http):
    _integration, url = alertmanager
    post(http, url, FIRING)
    assert post(http, url, RESOLVED).status_code == 202
    assert post(http, url, RESOLVED).status_code == 202  # re-sent resolved: nothing more
    assert Alert.objects.get().status == "resolved"
    assert Incident.objects.get().status == IncidentStatus.MONITORING


def test_group_with_two_alerts_needs_both_resolved(alertmanager, http):
    _integration, url = alertmanager
    body = copy.deepcopy(FIRING["body"])
    second = copy.deepcopy(body["alerts"][0])
    second["fingerprint"] = "aaaaaaaaaaaaaaaa"
    second["labels"]["instance"] = "web-2"
    body["alerts"].append(second)
    http.post_json(url, body, **headers_of(FIRING))
    assert Incident.objects.count() == 2  # two fingerprints, two dedup keys
    resolved = copy.deepcopy(RESOLVED["body"])
    http.post_json(url, resolved, **headers_of(FIRING))
    statuses = sorted(Incident.objects.values_list("status", flat=True))
    assert statuses == [IncidentStatus.MONITORING, IncidentStatus.TRIGGERED]


@pytest.mark.parametrize("authorization", [None, "Basic " + base64.b64encode(b"am:wrong").decode(), "Bearer x",
                                           "Basic !!!"])
def test_basic_auth_is_required_when_configured(alertmanager, http, authorization):
    _integration, url = alertmanager
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = http.post_json(url, FIRING["body"], **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not Alert.objects.exists()


def test_no_auth_needed_when_not_configured(integration_of, http):
    _integration, key = integration_of("alertmanager")
    assert http.post_json(integration_url("alertmanager", key), FIRING["body"]).status_code == 202


@pytest.mark.parametrize("body", [
    "not json", [], {"alerts": "nope"}, {"alerts": [{"status": "burning"}]}, {"alerts": [5]},
    {"version": "3", "alerts": []}, {"alerts": [{"status": "firing", "labels": {"a": 1}}]},
    {"alerts": [{"status": "firing", "fingerprint": 12}]}, {"alerts": [{"status": "firing", "labels": []}]},
])
def test_bad_input_is_4xx_never_5xx(alertmanager, http, body):
    _integration, url = alertmanager
    response = http.post_json(url, body, **headers_of(FIRING))
    assert 400 <= response.status_code < 500
    assert not Alert.objects.exists()
    assert not Incident.objects.exists()


def test_basic_auth_configured_through_the_api(org, service, member_of, http):
    from tenancy.enums import Role

    _admin, client = member_of(Role.ADMIN)
    created = client.post(f"/api/v1/orgs/{org.slug}/integrations/", {
        "name": "AM", "kind": "alertmanager", "service": service.pk,
        "basic_auth": {"username": "am", "password": "s3cret"}}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["basic_auth"] == {"username": "am"}
    assert "s3cret" not in created.content.decode()
    url = urlsplit(created.json()["ingestion_url"]).path
    assert http.post_json(url, FIRING["body"]).status_code == 401
    assert post(http, url, FIRING).status_code == 202
