"""A newcomer's first minutes (issue 10): the root page, a demo whose timelines look real, no demo
chat destinations pointing at a port where nothing listens, a default policy for incidents without one."""

from io import StringIO

import pytest
from django.core.management import call_command

from comms.models import ChatDestination
from incidents.models import Incident, TimelineEvent
from oncall.models import EscalationPolicy
from tenancy.models import Organization

pytestmark = pytest.mark.django_db


def test_the_root_page_is_a_landing_page_with_the_way_in(client, org, make_member):
    page = client.get("/")
    assert page.status_code == 200
    for link in (b'href="/admin/"', b'href="/api/v1/docs/"', b'href="/accounts/login/"',
                 b'href="/accounts/password-reset/"'):
        assert link in page.content
    member = make_member(org)
    client.force_login(member.user)
    assert f"/api/v1/orgs/{org.slug}/".encode() in client.get("/").content


OTHER_APPS_KINDS = ["status_update_posted", "postmortem_created", "postmortem_published", "notification_sent",
                    "notification_failed", "paged", "paging_deferred", "note"]


def test_the_demo_timelines_span_the_incidents_real_times():
    call_command("seed_demo", stdout=StringIO())
    demo = Organization.objects.get(slug="demo")
    outage = Incident.objects.get(organization=demo, title="Database connection failure")
    moments = list(outage.timeline.order_by("id").values_list("at", flat=True))
    assert moments == sorted(moments)
    # The incident's own story (other apps' demos add updates and a post-mortem at its moments).
    story = list(outage.timeline.exclude(kind__in=OTHER_APPS_KINDS).order_by("id").values_list("at", flat=True))
    assert len({moment.replace(microsecond=0) for moment in story}) == len(story)  # no two share a second
    assert moments[0] == outage.detected_at
    assert outage.resolved_at in story
    assert 40 * 60 <= (outage.resolved_at - outage.detected_at).total_seconds() <= 60 * 60
    assert outage.acknowledged_at == story[1]  # created, then acknowledged minutes later
    seconds = {at.replace(microsecond=0) for at in
               TimelineEvent.objects.filter(organization=demo).values_list("at", flat=True)}
    assert len(seconds) > 20


def test_the_demo_has_no_chat_destination_nobody_listens_to_and_a_default_policy():
    call_command("seed_demo", stdout=StringIO())
    demo = Organization.objects.get(slug="demo")
    assert not ChatDestination.objects.filter(organization=demo).exists()
    assert EscalationPolicy.objects.get(organization=demo, is_default=True).name == "Default"
