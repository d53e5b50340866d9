"""The admin: schedules with inline layers and overrides and the next 14 days of final shifts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from oncall import services
from tenancy.enums import Role
from tests.oncall.factories import EscalationPolicyFactory, weekly_layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(org, make_member):
    membership = make_member(org, Role.ADMIN, is_staff=True)
    client = Client()
    client.force_login(membership.user)
    return client


def test_schedule_page_shows_layers_overrides_and_the_next_14_days(org, people, staff_client, make_schedule):
    start = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    schedule = make_schedule([weekly_layer(people[:2], start=start)], name="Primary")
    now = datetime.now(tz=UTC)
    services.override_create(schedule=schedule, user=people[3], start=now + timedelta(days=1),
                             end=now + timedelta(days=2))
    assert staff_client.get("/admin/oncall/schedule/").status_code == 200
    page = staff_client.get(f"/admin/oncall/schedule/{schedule.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "<th>Who</th>" in content
    assert "next 14 days" in content.lower()
    assert people[0].name in content
    assert people[3].name in content


def test_policy_and_group_pages_render(org, people, staff_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:1])])
    policy = EscalationPolicyFactory(organization=org, steps=[{"schedules": [schedule]}])
    assert staff_client.get(f"/admin/oncall/escalationpolicy/{policy.pk}/change/").status_code == 200
    assert staff_client.get("/admin/oncall/respondergroup/").status_code == 200
    assert staff_client.get(f"/admin/oncall/layer/{schedule.layers.get().pk}/change/").status_code == 200


def test_another_orgs_staff_cannot_see_the_schedule(org, people, make_org, make_member, make_schedule):
    schedule = make_schedule([weekly_layer(people[:1])])
    outsider = make_member(make_org(), Role.ADMIN, is_staff=True)
    client = Client()
    client.force_login(outsider.user)
    assert client.get(f"/admin/oncall/schedule/{schedule.pk}/change/").status_code in (302, 404)
