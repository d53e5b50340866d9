import pytest

from tenancy.enums import Role
from tenancy.models import Membership
from tests.tenancy.factories import MembershipFactory

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


def test_staff_admin_invites_only_into_their_organizations(client, two_orgs, django_capture_on_commit_callbacks):
    from django.core import mail

    from tenancy.models import Invitation

    org_a, org_b, admin_a = two_orgs
    client.force_login(admin_a.user)
    assert client.get("/admin/tenancy/membership/add/").status_code == 403  # people are invited, not added
    form = client.get("/admin/tenancy/invitation/add/").content.decode()
    assert f'<option value="{org_a.pk}"' in form
    assert f'<option value="{org_b.pk}"' not in form
    posted = client.post("/admin/tenancy/invitation/add/",
                         {"organization": org_b.pk, "email": "eng@bravo.test", "role": "owner"})
    assert posted.status_code == 200  # the form refuses the foreign organization
    member = client.post("/admin/tenancy/invitation/add/",
                         {"organization": org_a.pk, "email": "eng@alpha.test", "role": "viewer"})
    assert member.status_code == 200
    assert "already a member" in member.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/admin/tenancy/invitation/add/",
                           {"organization": org_a.pk, "email": "eng@bravo.test", "role": "viewer"})
    assert sent.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organization, invitation.invited_by, invitation.status) == (org_a, admin_a.user, "pending")
    assert not Membership.objects.filter(organization=org_a, user__email="eng@bravo.test").exists()
    assert [m.to for m in mail.outbox] == [["eng@bravo.test"]]
    revoked = client.post("/admin/tenancy/invitation/", {"action": "revoke", "_selected_action": [invitation.pk]})
    assert revoked.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


ADMIN_CHANGELISTS = ["tenancy/membership", "tenancy/apitoken", "tenancy/invitation", "incidents/incident",
                     "incidents/service", "oncall/schedule", "comms/contactmethod", "comms/notification"]


@pytest.mark.parametrize("changelist", ADMIN_CHANGELISTS)
def test_changelist_filters_name_only_the_users_organizations(client, make_org, make_member, changelist):
    from incidents.models import Service

    mine, also_mine, foreign = make_org(name="Alpha Co"), make_org(name="Acme Co"), make_org(name="Zebra Rival")
    Service.objects.create(organization=foreign, name="Zebra Secret Service")
    lead = make_member(mine, Role.ADMIN, is_staff=True)
    client.force_login(lead.user)
    single = client.get(f"/admin/{changelist}/")
    assert single.status_code == 200
    content = single.content.decode()
    assert "Zebra" not in content
    assert "By organization" not in content
    assert "By Organization" not in content
    MembershipFactory(organization=also_mine, role=Role.OWNER, user=lead.user)
    both = client.get(f"/admin/{changelist}/").content.decode()
    assert "Zebra" not in both
    assert "By organization" in both
    assert "Acme Co" in both


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
