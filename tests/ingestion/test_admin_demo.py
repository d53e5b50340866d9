import pytest
from django.test import Client

from incidents.ingestion import demo
from incidents.ingestion.models import Integration
from tenancy.enums import Role
from tests.ingestion.factories import make_integration

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(org, service):
    first = demo.seed(org)
    assert len(first) == 2
    assert demo.seed(org) == []
    assert Integration.objects.filter(organization=org).count() == 2


@pytest.mark.parametrize("page", ["integration", "alert", "maintenancewindow"])
def test_admin_pages_are_scoped(org, make_org, make_member, page):
    make_integration(org, kind="webhook", name="ours")
    make_integration(make_org(), kind="webhook", name="theirs")
    member = make_member(org, Role.ADMIN, is_staff=True, password="pw-123456789")
    client = Client()
    client.force_login(member.user)
    response = client.get(f"/admin/ingestion/{page}/")
    assert response.status_code == 200
    if page == "integration":
        assert b"ours" in response.content
        assert b"theirs" not in response.content
