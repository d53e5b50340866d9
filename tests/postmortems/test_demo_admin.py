"""seed_demo's learning side, and the admin pages (scoped, writes through services)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents import services as incident_services
from postmortems import selectors, services
from postmortems.models import ActionItem, Drill, PostMortem, TrainingRecord
from tenancy.enums import Role
from tenancy.models import Organization

pytestmark = pytest.mark.django_db


def test_seed_demo_has_a_published_postmortem_a_drill_and_a_trend():
    call_command("seed_demo")
    org = Organization.objects.get(slug="demo")
    postmortem = PostMortem.objects.get(organization=org, incident__title="Database connection failure")
    assert postmortem.status == "published"
    assert postmortem.whys.count() == 4
    overdue = [item for item in ActionItem.objects.filter(postmortem=postmortem) if item.is_overdue]
    assert len(overdue) == 1
    drill = Drill.objects.get(organization=org)
    assert drill.status == "completed"
    assert drill.incident.postmortem.status == "published"
    assert TrainingRecord.objects.filter(drill=drill).count() == 3
    months = selectors.metrics(organization=org, since=timezone.now() - timezone.timedelta(days=190),
                               group_by="month")["groups"]
    assert len(months) >= 6
    counts = (PostMortem.objects.count(), ActionItem.objects.count(), Drill.objects.count(),
              TrainingRecord.objects.count())
    call_command("seed_demo")
    assert counts == (PostMortem.objects.count(), ActionItem.objects.count(), Drill.objects.count(),
                      TrainingRecord.objects.count())


@pytest.fixture
def staff_client(client, org, make_member):
    admin = make_member(org, Role.ADMIN, is_staff=True)
    client.force_login(admin.user)
    return client


def test_admin_pages_are_scoped_and_the_tracker_filters(staff_client, org, make_org, p1_incident, alice):
    postmortem = services.postmortem_open(incident=p1_incident)
    item = services.action_item_create(organization=org, postmortem=postmortem, title="Our item", owner=alice,
                                       due_date=timezone.localdate() - timezone.timedelta(days=1))
    other = make_org()
    foreign = services.postmortem_open(incident=incident_services.incident_create(
        organization=other, title="Theirs", severity="P1"))
    services.action_item_create(organization=other, postmortem=foreign, title="Their item")
    for path in ("postmortem", "actionitem", "drill", "trainingrecord", "mail"):
        assert staff_client.get(f"/admin/postmortems/{path}/").status_code == 200
    page = staff_client.get("/admin/postmortems/actionitem/", {"overdue": "yes", "owner__id__exact": alice.pk,
                                                               "status__exact": "open"}).content.decode()
    assert "Our item" in page
    assert "Their item" not in page
    assert staff_client.get(f"/admin/postmortems/postmortem/{foreign.pk}/change/").status_code == 302
    response = staff_client.post(f"/admin/postmortems/actionitem/{item.pk}/change/", {
        "title": "Our item", "owner": alice.pk, "due_date": item.due_date.isoformat(), "priority": "medium",
        "status": "done", "tracker_url": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert item.version == 2  # through action_item_update (and its webhook event)
