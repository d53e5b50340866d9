import pytest

from incidents.ingestion.models import Integration
from tenancy.enums import Role
from tenancy.tokens import hash_secret
from tests.incidents.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def url(org, suffix=""):
    return f"/api/v1/orgs/{org.slug}/integrations/{suffix}"


@pytest.mark.parametrize("kind", ["pagerduty_v2", "alertmanager", "datadog", "cloudwatch", "webhook", "heartbeat"])
def test_create_shows_the_key_and_url_once_and_stores_a_hash(org, service, member_of, kind, settings):
    settings.FOGHORN_BASE_URL = "https://foghorn.example.com"
    _admin, client = member_of(Role.ADMIN)
    response = client.post(url(org), {"name": "Prod", "kind": kind, "service": service.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["routing_key"]
    assert len(key) == 32
    assert key.isalnum()
    expected = ("https://foghorn.example.com/v2/enqueue" if kind == "pagerduty_v2"
                else f"https://foghorn.example.com/integrations/v1/{kind}/{key}/")
    assert body["ingestion_url"] == expected
    integration = Integration.objects.get(pk=body["id"])
    assert integration.routing_key_hash == hash_secret(key)
    assert key not in str(Integration.objects.filter(pk=integration.pk).values().get())

    detail = client.get(url(org, f"{integration.pk}/")).json()
    listing = client.get(url(org)).content.decode()
    assert "routing_key" not in detail
    assert key not in listing
    assert key not in str(detail)


def test_rotate_key_shows_a_new_key_and_the_old_one_stops(org, service, member_of, http):
    _admin, client = member_of(Role.ADMIN)
    created = client.post(url(org), {"name": "W", "kind": "webhook", "service": service.pk}, format="json").json()
    old = created["routing_key"]
    assert http.post_json(f"/integrations/v1/webhook/{old}/", {"title": "x"}).status_code == 202
    rotated = client.post(url(org, f"{created['id']}/rotate-key/"))
    assert rotated.status_code == 200
    new = rotated.json()["routing_key"]
    assert new != old
    assert len(new) == 32
    assert new in rotated.json()["ingestion_url"]
    assert http.post_json(f"/integrations/v1/webhook/{old}/", {"title": "x"}).status_code == 404
    assert http.post_json(f"/integrations/v1/webhook/{new}/", {"title": "x"}).status_code == 202


@pytest.mark.parametrize(("role", "expected"), [
    (Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 201), (Role.OWNER, 201)])
def test_only_admins_configure(org, service, member_of, role, expected):
    _member, client = member_of(role)
    response = client.post(url(org), {"name": "X", "kind": "webhook", "service": service.pk}, format="json")
    assert response.status_code == expected
    assert client.get(url(org)).status_code == 200


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 200)])
def test_role_matrix_for_rotate_and_update(org, integration_of, member_of, role, expected):
    integration, _key = integration_of("webhook")
    _member, client = member_of(role)
    assert client.post(url(org, f"{integration.pk}/rotate-key/")).status_code == expected
    assert client.patch(url(org, f"{integration.pk}/"), {"enabled": False}, format="json").status_code == expected


def test_bad_input_is_a_clear_400(org, service, member_of, make_org):
    _admin, client = member_of(Role.ADMIN)
    other_service = ServiceFactory(organization=make_org())
    cases = [
        {"name": "X", "kind": "nagios", "service": service.pk},
        {"name": "X", "kind": "webhook", "service": other_service.pk},
        {"name": "X", "kind": "webhook"},
        {"name": "X", "kind": "webhook", "service": service.pk, "severity_mapping": {"critical": "P9"}},
        {"name": "X", "kind": "webhook", "service": service.pk, "severity_mapping": {"fatal": "P1"}},
        {"name": "X", "kind": "webhook", "service": service.pk, "rate_limit_per_minute": 0},
        {"name": "X", "kind": "alertmanager", "service": service.pk, "basic_auth_username": "am"},
    ]
    for body in cases:
        response = client.post(url(org), body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["errors"]
    assert not Integration.objects.exists()


def test_update_settings_and_kind_is_fixed(org, integration_of, member_of):
    integration, _key = integration_of("webhook")
    _admin, client = member_of(Role.ADMIN)
    response = client.patch(url(org, f"{integration.pk}/"), {
        "severity_mapping": {"critical": "P0", "error": "P2", "warning": "P3", "info": "P3"},
        "rate_limit_per_minute": 600, "auto_resolve": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["severity_mapping"]["critical"] == "P0"
    assert response.json()["auto_resolve"] is True
    assert client.patch(url(org, f"{integration.pk}/"), {"kind": "datadog"}, format="json").status_code == 400
    assert client.delete(url(org, f"{integration.pk}/")).status_code == 204
    assert not Integration.objects.exists()


def test_datadog_create_shows_the_body_to_paste(org, service, member_of):
    _admin, client = member_of(Role.ADMIN)
    body = client.post(url(org), {"name": "DD", "kind": "datadog", "service": service.pk}, format="json").json()
    payload = body["setup"]["payload"]
    assert payload["alert_cycle_key"] == "$ALERT_CYCLE_KEY"
    assert payload["alert_transition"] == "$ALERT_TRANSITION"
