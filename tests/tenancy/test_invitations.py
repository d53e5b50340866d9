"""Adding a person by email is an invitation they accept (issue 10: "any org can pull in another
tenant's person"). Until then they are not a member and nothing about them is visible."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comms.services import contacts
from tenancy.enums import Role
from tenancy.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/invitations/(\S+)/")


def members_url(org, pk=None):
    base = f"/api/v1/orgs/{org.slug}/members/"
    return f"{base}{pk}/" if pk else base


def invitations_url(org, pk=None, action=""):
    base = f"/api/v1/orgs/{org.slug}/invitations/"
    return (f"{base}{pk}/" if pk else base) + (f"{action}/" if action else "")


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    assert match.group(0) in message.alternatives[0][0]  # the HTML part carries the same link
    return reverse("invitation-accept", kwargs={"token": match.group(1)})


def invite(client, org, email, role="responder", name=""):
    return client.post(members_url(org), {"email": email, "role": role, "name": name})


@pytest.fixture
def tenant_elsewhere(make_org, make_member):
    """Someone who is a member of another organization, with a name and a phone registered there."""
    other_org = make_org()
    membership = make_member(other_org, Role.OWNER, email="cto@rival.test", name="Riva Secret")
    contacts.contact_method_create(organization=other_org, user=membership.user, kind="sms", value="+14155550199")
    return membership


def test_inviting_someone_of_another_tenant_reveals_nothing_and_adds_nobody(
        org, member_of, tenant_elsewhere, django_capture_on_commit_callbacks):
    _admin, client = member_of(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        known = invite(client, org, "CTO@rival.test", name="Whoever")
        unknown = invite(client, org, "nobody-yet@rival.test", name="Whoever")
    assert known.status_code == unknown.status_code == 202, known.content
    strip = {"id", "email", "created_at", "expires_at", "sent_at"}
    assert {k: v for k, v in known.json().items() if k not in strip} == \
           {k: v for k, v in unknown.json().items() if k not in strip}
    assert known.json()["email"] == "cto@rival.test"
    assert "Riva" not in known.content.decode()
    assert known.json()["status"] == "pending"
    assert not Membership.objects.filter(organization=org, user=tenant_elsewhere.user).exists()
    assert not User.objects.filter(email="nobody-yet@rival.test").exists()
    listed = client.get(members_url(org)).content.decode()
    assert "rival.test" not in listed
    assert "Riva" not in listed
    methods = client.get(f"/api/v1/orgs/{org.slug}/contact-methods/").content.decode()
    assert "+14155550199" not in methods
    assert [m.to for m in mail.outbox] == [["cto@rival.test"], ["nobody-yet@rival.test"]]


def test_a_new_person_accepts_sets_a_password_and_becomes_a_member(org, member_of, client,
                                                                   django_capture_on_commit_callbacks):
    admin, api = member_of(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(api, org, "Ann@Acme.test", name="Ann").status_code == 202
    (message,) = mail.outbox
    assert org.name in message.subject
    url = link_in(message)
    page = client.get(url)  # a GET (a mail scanner) only shows the form
    assert page.status_code == 200
    assert b"Choose a password" in page.content
    assert not User.objects.filter(email="ann@acme.test").exists()
    weak = client.post(url, {"name": "Ann Example", "password": "short"})
    assert weak.status_code == 400
    assert not User.objects.filter(email="ann@acme.test").exists()
    accepted = client.post(url, {"name": "Ann Example", "password": "a-long-passphrase"})
    assert accepted.status_code == 200, accepted.content
    ann = User.objects.get(email="ann@acme.test")
    assert ann.name == "Ann Example"
    assert ann.check_password("a-long-passphrase")
    assert Membership.objects.get(organization=org, user=ann).role == Role.RESPONDER
    assert client.session["_auth_user_id"] == str(ann.pk)
    assert client.post(url, {"password": "another-passphrase"}).status_code == 200  # already accepted: a no-op
    assert User.objects.get(pk=ann.pk).check_password("a-long-passphrase")
    body = api.get(invitations_url(org)).json()["results"][0]
    assert body["status"] == "accepted"
    assert body["invited_by"]["id"] == admin.user_id


def test_an_existing_account_logs_in_to_accept(org, member_of, tenant_elsewhere, client,
                                               django_capture_on_commit_callbacks):
    _admin, api = member_of(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invite(api, org, "cto@rival.test", role="viewer")
    url = link_in(mail.outbox[0])
    assert b"already have a Foghorn account" in client.get(url).content
    wrong = client.post(url, {"password": "not-the-password"})
    assert wrong.status_code == 400
    assert not Membership.objects.filter(organization=org, user=tenant_elsewhere.user).exists()
    assert client.post(url, {"password": "correct-horse-battery"}).status_code == 200
    assert Membership.objects.get(organization=org, user=tenant_elsewhere.user).role == Role.VIEWER
    # Org A's number is still not org B's: the new membership starts with the account email only.
    kinds = set(tenant_elsewhere.user.contact_methods.filter(organization=org).values_list("kind", flat=True))
    assert kinds == {"email"}


def test_links_are_purpose_bound_expiring_and_die_on_resend_or_revoke(org, member_of, client,
                                                                      django_capture_on_commit_callbacks):
    from comms import ack

    _admin, api = member_of(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        created = invite(api, org, "ben@acme.test").json()
    first = link_in(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(invitations_url(org, created["id"], "resend")).status_code == 200
    second = link_in(mail.outbox[1])
    assert first != second
    assert client.get(first).status_code == 404  # the resend killed the first link
    assert client.get(second).status_code == 200
    # A token signed for another purpose (an ack link) is not an invitation.
    forged = ack.ack_token(incident=type("I", (), {"organization_id": org.pk, "pk": created["id"]})(),
                           user=type("U", (), {"pk": 1})())
    assert client.get(reverse("invitation-accept", kwargs={"token": forged})).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(second).status_code == 404
        assert client.post(second, {"password": "a-long-passphrase"}).status_code == 404
    assert api.delete(invitations_url(org, created["id"])).status_code == 204
    assert client.post(second, {"password": "a-long-passphrase"}).status_code == 404
    assert not User.objects.filter(email="ben@acme.test").exists()
    assert api.post(invitations_url(org, created["id"], "resend")).status_code == 409


def test_a_lost_email_task_is_sent_by_the_ticker(org, member_of, django_capture_on_commit_callbacks):
    from tenancy import services

    _admin, api = member_of(Role.ADMIN)
    invite(api, org, "lost@acme.test")  # on-commit callbacks never run: as if the broker were down
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert services.invitations_tick() == 1
        assert services.invitations_tick() == 0
    assert [m.to for m in mail.outbox] == [["lost@acme.test"]]


def test_invitation_rules(org, member_of, make_member):
    _admin, api = member_of(Role.ADMIN)
    member = make_member(org, Role.RESPONDER, email="in@acme.test")
    already = invite(api, org, member.user.email)
    assert already.status_code == 400
    assert "email" in already.json()["errors"]
    assert invite(api, org, "twice@acme.test").status_code == 202
    again = invite(api, org, "twice@acme.test")
    assert again.status_code == 400
    assert "email" in again.json()["errors"]
    assert invite(api, org, "boss@acme.test", role="owner").status_code == 403
    bad = api.post(invitations_url(org), {"email": "nope", "role": "emperor"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"email", "role"}
    assert Invitation.objects.filter(organization=org).count() == 1


@pytest.mark.parametrize(("role", "expected_status"),
                         [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 200), (Role.OWNER, 200)])
def test_who_sees_invitations(org, member_of, role, expected_status):
    _member, client = member_of(role)
    assert client.get(invitations_url(org)).status_code == expected_status


def test_owner_sends_a_member_a_password_reset_link(org, member_of, make_member, client,
                                                    django_capture_on_commit_callbacks):
    _owner, api = member_of(Role.OWNER)
    _admin, admin_api = member_of(Role.ADMIN)
    member = make_member(org, Role.RESPONDER)
    member.user.set_unusable_password()
    member.user.save()
    action = f"{members_url(org, member.pk)}send-password-reset/"
    assert admin_api.post(action).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(action).status_code == 202
    (message,) = mail.outbox
    assert message.to == [member.user.email]
    link = re.search(r"https?://\S+(/accounts/reset/\S+/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-secret",
                                                    "new_password2": "brand-new-secret"})
    assert done.status_code == 302
    assert User.objects.get(pk=member.user_id).check_password("brand-new-secret")


def test_the_login_pages_offer_forgot_password_through_the_email_backend(org, make_member, client):
    member = make_member(org, Role.ADMIN, email="dana@acme.test")
    login = client.get("/admin/login/")
    assert reverse("admin_password_reset").encode() in login.content
    assert reverse("admin_password_reset").encode() in client.get(reverse("login")).content
    sent = client.post(reverse("admin_password_reset"), {"email": "DANA@acme.test"})
    assert sent.status_code == 302
    (message,) = mail.outbox
    assert message.to == [member.user.email]
    assert "/accounts/reset/" in message.body
    assert message.alternatives
    assert client.post(reverse("admin_password_reset"), {"email": "nobody@acme.test"}).status_code == 302
    assert len(mail.outbox) == 1
