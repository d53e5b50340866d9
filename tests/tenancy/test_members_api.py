import pytest

from tenancy.enums import Role
from tenancy.models import Membership

pytestmark = pytest.mark.django_db


def members_url(org, pk=None):
    base = f"/api/v1/orgs/{org.slug}/members/"
    return f"{base}{pk}/" if pk else base


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 202), (Role.OWNER, 202)],
)
def test_who_may_add_members(org, member_of, role, expected_status):
    _member, client = member_of(role)
    response = client.post(members_url(org), {"email": "x@example.test", "role": "viewer"})
    assert response.status_code == expected_status


@pytest.mark.parametrize("role", [Role.VIEWER, Role.RESPONDER, Role.ADMIN, Role.OWNER])
def test_every_member_lists_members(org, member_of, role):
    _member, client = member_of(role)
    response = client.get(members_url(org))
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_bad_input_names_the_field(org, member_of):
    _admin, client = member_of(Role.ADMIN)
    response = client.post(members_url(org), {"email": "not-an-email", "role": "emperor"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "role"}
    assert response.json()["message"]


def test_only_owner_grants_ownership(org, member_of, make_member):
    _admin, client = member_of(Role.ADMIN)
    target = make_member(org, Role.RESPONDER)
    assert client.patch(members_url(org, target.pk), {"role": "owner"}).status_code == 403
    assert client.post(members_url(org), {"email": "o@example.test", "role": "owner"}).status_code == 403
    _owner, owner_client = member_of(Role.OWNER)
    response = owner_client.patch(members_url(org, target.pk), {"role": "owner"})
    assert response.status_code == 200
    assert response.json()["role"] == "owner"


def test_last_owner_cannot_leave_or_be_demoted(org, member_of):
    owner, client = member_of(Role.OWNER)
    assert client.patch(members_url(org, owner.pk), {"role": "admin"}).status_code == 400
    assert client.delete(members_url(org, owner.pk)).status_code == 400
    assert Membership.objects.get(pk=owner.pk).role == Role.OWNER


def test_removing_a_member_revokes_their_tokens(org, member_of, make_member, api_client_for):
    _admin, client = member_of(Role.ADMIN)
    leaver = make_member(org, Role.RESPONDER)
    leaver_client = api_client_for(leaver)
    assert leaver_client.get(members_url(org)).status_code == 200
    assert client.delete(members_url(org, leaver.pk)).status_code == 204
    assert leaver_client.get(members_url(org)).status_code == 401


def test_unknown_org_and_non_member_look_the_same(org, member_of, make_org):
    _member, client = member_of(Role.OWNER)
    foreign = make_org()
    unknown = client.get("/api/v1/orgs/no-such-org/members/")
    not_mine = client.get(f"/api/v1/orgs/{foreign.slug}/members/")
    assert unknown.status_code == not_mine.status_code == 404
    assert unknown.json() == not_mine.json()


def test_session_login_works_for_the_browsable_api(org, owner, client):
    client.force_login(owner.user)
    assert client.get(members_url(org)).status_code == 200


def test_anonymous_is_refused(org):
    from rest_framework.test import APIClient

    response = APIClient().get(members_url(org))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
