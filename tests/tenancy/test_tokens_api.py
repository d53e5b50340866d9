import pytest
from rest_framework.test import APIClient

from tenancy.enums import Role
from tenancy.models import ApiToken

pytestmark = pytest.mark.django_db


def tokens_url(org, pk=None):
    base = f"/api/v1/orgs/{org.slug}/tokens/"
    return f"{base}{pk}/" if pk else base


def test_secret_is_shown_once_and_stored_hashed(org, member_of):
    _member, client = member_of(Role.RESPONDER)
    response = client.post(tokens_url(org), {"name": "ci"})
    assert response.status_code == 201
    secret = response.json()["token"]
    assert secret.startswith("fh_")
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert secret not in token.secret_hash
    assert secret.startswith(token.prefix)
    listed = client.get(tokens_url(org)).json()["results"]
    assert all("token" not in item for item in listed)

    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert fresh.get("/api/v1/orgs/").status_code == 200


def test_revoked_token_stops_working(org, member_of):
    _member, client = member_of(Role.RESPONDER)
    created = client.post(tokens_url(org), {"name": "temp"}).json()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    assert other.get(tokens_url(org)).status_code == 200
    assert client.delete(tokens_url(org, created["id"])).status_code == 204
    assert other.get(tokens_url(org)).status_code == 401


def test_responders_see_only_their_own_tokens_admins_see_all(org, member_of):
    _r, responder_client = member_of(Role.RESPONDER)
    _a, admin_client = member_of(Role.ADMIN)
    responder_client.post(tokens_url(org), {"name": "mine"})
    names_seen_by_responder = {t["name"] for t in responder_client.get(tokens_url(org)).json()["results"]}
    names_seen_by_admin = {t["name"] for t in admin_client.get(tokens_url(org)).json()["results"]}
    assert "mine" in names_seen_by_responder
    assert "mine" in names_seen_by_admin
    assert len(names_seen_by_admin) > len(names_seen_by_responder) or names_seen_by_admin >= names_seen_by_responder


def test_a_token_only_opens_its_own_organization(org, owner, make_org, make_member, api_client_for):
    other_org = make_org()
    make_member(other_org, Role.OWNER, email="x@example.test")
    from tenancy.models import Membership

    Membership.objects.create(organization=other_org, user=owner.user, role=Role.OWNER)
    client = api_client_for(owner)
    assert client.get(tokens_url(org)).status_code == 200
    assert client.get(tokens_url(other_org)).status_code == 404
    assert [o["slug"] for o in client.get("/api/v1/orgs/").json()] == [org.slug]


def test_garbage_bearer_is_401_not_500():
    client = APIClient()
    for header in ["Bearer", "Bearer a b", "Bearer nope", "Bearer \u00e9"]:
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get("/api/v1/orgs/").status_code == 401
