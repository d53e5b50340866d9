from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tenancy.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def test_create_org_prints_a_working_token():
    out = StringIO()
    call_command("create_org", "acme", "--name", "Acme", "--owner", "owner@acme.test", "--password", "pw-12345678",
                 stdout=out, stderr=StringIO())
    token = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    orgs = client.get("/api/v1/orgs/")
    assert orgs.status_code == 200
    assert orgs.json()[0]["slug"] == "acme"
    assert orgs.json()[0]["role"] == "owner"
    members = client.get("/api/v1/orgs/acme/members/")
    assert members.status_code == 200
    assert members.json()["results"][0]["user"]["email"] == "owner@acme.test"
    owner = User.objects.get(email="owner@acme.test")
    assert owner.check_password("pw-12345678")
    assert owner.is_staff


def test_create_org_without_password_leaves_it_unusable_and_emails_a_link_to_set_one(
        django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_org", "beta", "--name", "Beta", "--owner", "b@beta.test", stdout=StringIO(),
                     stderr=StringIO())
    assert not User.objects.get(email="b@beta.test").has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["b@beta.test"]
    assert "/accounts/reset/" in message.body


def test_create_org_refuses_a_taken_slug_without_half_writing():
    call_command("create_org", "dup", "--name", "Dup", "--owner", "a@dup.test", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("create_org", "dup", "--name", "Dup 2", "--owner", "new@dup.test", stdout=StringIO(),
                     stderr=StringIO())
    assert not User.objects.filter(email="new@dup.test").exists()


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    counts = (Organization.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Organization.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert Membership.objects.filter(organization__slug="demo").count() >= 5


def test_the_printed_demo_login_opens_the_admin(client):
    from tenancy.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD

    call_command("seed_demo", stdout=StringIO())
    assert client.login(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
