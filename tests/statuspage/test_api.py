"""The org API of the status page: roles, the page, components, subscribers' import, bad input."""

import pytest

from comms.statuspage.models import Subscriber
from tenancy.enums import Role
from tests.statuspage import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 200),
                                                (Role.OWNER, 200)])
def test_only_admins_configure_the_page(org, member_of, client, role, expected):
    _membership, api = member_of(role)
    url = f"/api/v1/orgs/{org.slug}/status-page/"
    assert api.get(url).json()["enabled"] is False
    assert client.get(f"/status/{org.slug}/").status_code == 404
    response = api.patch(url, {"enabled": True, "title": "Acme status", "time_zone": "Europe/Paris"}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["public_url"].endswith(f"/status/{org.slug}/")
        assert client.get(f"/status/{org.slug}/").status_code == 200


def test_bad_page_settings_name_the_field(org, member_of):
    _membership, api = member_of(Role.ADMIN)
    response = api.patch(f"/api/v1/orgs/{org.slug}/status-page/", {"time_zone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()["errors"]


def test_components_crud_with_derived_status(status_setup, member_of):
    org = status_setup["org"]
    _membership, api = member_of(Role.ADMIN)
    url = f"/api/v1/orgs/{org.slug}/status-page/components/"
    factories.incident(org, status_setup["api"], severity="P0")
    listed = {c["name"]: c["status"] for c in api.get(url).json()["results"]}
    assert listed == {"Website and API": "major_outage", "Database": "operational"}
    group = api.post(url, {"name": "Platform"}, format="json").json()
    moved = api.patch(f"{url}{status_setup['db_component'].pk}/", {"group": group["id"]}, format="json")
    assert moved.status_code == 200
    nested = api.patch(f"{url}{group['id']}/", {"group": status_setup["api_component"].pk}, format="json")
    assert nested.status_code == 400
    assert "group" in nested.json()["errors"]
    assert api.delete(f"{url}{group['id']}/").status_code == 204


def test_subscribers_import_needs_a_reason_and_only_admins_see_addresses(status_setup, member_of):
    org = status_setup["org"]
    _admin, admin_api = member_of(Role.ADMIN)
    _viewer, viewer_api = member_of(Role.VIEWER)
    url = f"/api/v1/orgs/{org.slug}/status-page/subscribers/"
    assert admin_api.post(f"{url}import/", {"emails": ["a@example.test"]}, format="json").status_code == 400
    response = admin_api.post(f"{url}import/", {"emails": ["a@example.test", "b@example.test", "a@example.test"],
                                                "reason": "Enterprise customers' ops lists"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"added": 2, "skipped": 1}
    assert all(s.confirmed_at for s in Subscriber.objects.filter(organization=org))
    assert viewer_api.get(url).status_code == 403
    listed = admin_api.get(url).json()["results"]
    assert [s["email"] for s in listed] == ["a@example.test", "b@example.test"]
    assert listed[0]["imported_reason"] == "Enterprise customers' ops lists"
    bad = admin_api.post(f"{url}import/", {"emails": ["nope"], "reason": "x"}, format="json")
    assert bad.status_code == 400
    assert "emails" in bad.json()["errors"]
