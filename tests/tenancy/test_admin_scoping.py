import pytest

from tenancy.enums import Role
from tenancy.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orgs(make_org, make_member):
    org_a, org_b = make_org(name="Alpha"), make_org(name="Bravo")
    admin_a = make_member(org_a, Role.ADMIN, is_staff=True, email="lead@alpha.test")
    make_member(org_a, Role.RESPONDER, email="eng@alpha.test")
    make_member(org_b, Role.RESPONDER, email="eng@bravo.test")
    return org_a, org_b, admin_a


def test_staff_admin_sees_only_their_organizations(client, two_orgs):
    _org_a, _org_b, admin_a = two_orgs
    client.force_login(admin_a.user)
    page = client.get("/admin/tenancy/membership/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "eng@alpha.test" in content
    assert "eng@bravo.test" not in content
    foreign = Membership.objects.get(user__email="eng@bravo.test")
    assert client.get(f"/admin/tenancy/membership/{foreign.pk}/change/").status_code in (302, 404)
    orgs_page = client.get("/admin/tenancy/organization/").content.decode()
    assert "Alpha" in orgs_page
    assert "Bravo" not in orgs_page


def test_staff_admin_can_only_pick_their_organizations(client, two_orgs):
    org_a, org_b, admin_a = two_orgs
    client.force_login(admin_a.user)
    form = client.get("/admin/tenancy/membership/add/").content.decode()
    assert f'<option value="{org_a.pk}"' in form
    assert f'<option value="{org_b.pk}"' not in form
    posted = client.post("/admin/tenancy/membership/add/",
                         {"organization": org_b.pk, "user": admin_a.user.pk, "role": "owner"})
    assert posted.status_code == 200  # the form refuses the foreign organization
    assert not Membership.objects.filter(organization=org_b, user=admin_a.user).exists()


def test_staff_responder_reads_their_org_and_cannot_configure(client, make_org, make_member):
    member = make_member(make_org(), Role.RESPONDER, is_staff=True)
    client.force_login(member.user)
    page = client.get("/admin/tenancy/membership/")
    assert page.status_code == 200
    assert member.user.email in page.content.decode()
    assert "/admin/tenancy/membership/add/" not in page.content.decode()
    assert client.get("/admin/tenancy/membership/add/").status_code == 403
    assert client.get(f"/admin/tenancy/membership/{member.pk}/delete/").status_code == 403


def test_a_member_without_staff_access_sees_nothing(client, make_org, make_member):
    member = make_member(make_org(), Role.OWNER, is_staff=False)
    client.force_login(member.user)
    assert client.get("/admin/tenancy/membership/").status_code == 302  # to the login page


def test_superuser_sees_everything(client, two_orgs, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.test", password="pw-12345678")
    client.force_login(root)
    content = client.get("/admin/tenancy/membership/").content.decode()
    assert "eng@alpha.test" in content
    assert "eng@bravo.test" in content


def test_removing_a_member_in_the_admin_goes_through_the_service(client, two_orgs):
    from tenancy.models import ApiToken
    from tenancy.services import api_token_create

    org_a, _org_b, admin_a = two_orgs
    leaver = Membership.objects.get(user__email="eng@alpha.test")
    token, _secret = api_token_create(organization=org_a, user=leaver.user, name="laptop")
    client.force_login(admin_a.user)
    response = client.post(f"/admin/tenancy/membership/{leaver.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=leaver.pk).exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
