"""seed_demo's incident side, and the admin console."""

import pytest
from django.core.management import call_command

from incidents import demo, services
from incidents.enums import IncidentStatus as S
from incidents.models import Incident, Runbook, Service, TimelineEvent
from tenancy.enums import Role
from tenancy.models import Organization
from tests.oncall.factories import EscalationPolicyFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_services_runbooks_and_incidents_once():
    call_command("seed_demo")
    org = Organization.objects.get(slug="demo")
    assert set(Service.objects.filter(organization=org).values_list("name", flat=True)) >= {
        "API", "Workers", "Enrichment", "Mailboxes", "Database"}
    titles = set(Runbook.objects.filter(organization=org).values_list("title", flat=True))
    assert titles == {"Database connections exhausted", "API 5xx spike", "Enrichment provider down",
                      "Email provider degraded", "Disk space low"}
    assert Runbook.objects.get(organization=org, title="API 5xx spike").resolution.count("aws ecs") >= 1
    statuses = set(Incident.objects.filter(organization=org).values_list("status", flat=True))
    assert {S.TRIGGERED, S.INVESTIGATING, S.FIXING, S.RESOLVED, S.CLOSED} <= statuses
    assert Incident.objects.filter(organization=org, is_drill=True).exists()
    resolved = Incident.objects.get(organization=org, title="Database connection failure")
    kinds = list(resolved.timeline.values_list("kind", flat=True))
    assert kinds[0] == "incident_created"
    # The post-mortem's events (postmortems' demo) follow the resolution.
    assert [kind for kind in kinds if not kind.startswith("postmortem") and kind != "details_changed"][-1] == "resolved"
    assert "action_taken" in kinds

    counts = (Service.objects.count(), Runbook.objects.count(), Incident.objects.count(),
              TimelineEvent.objects.count())
    call_command("seed_demo")
    assert counts == (Service.objects.count(), Runbook.objects.count(), Incident.objects.count(),
                      TimelineEvent.objects.count())


def test_demo_wires_services_to_the_demo_policy(org):
    policy = EscalationPolicyFactory(organization=org, name="Default")
    demo.seed(org)
    assert set(Service.objects.filter(organization=org).values_list("escalation_policy", flat=True)) == {policy.pk}


def test_demo_tolerates_no_policy(org):
    demo.seed(org)
    assert not Service.objects.filter(organization=org, escalation_policy__isnull=False).exists()
    created = Incident.objects.filter(organization=org).order_by("number").first()
    assert created.timeline.first().payload["pages_nobody"] is True


@pytest.fixture
def staff_client(client, org, make_member):
    admin = make_member(org, Role.ADMIN, is_staff=True)
    client.force_login(admin.user)
    return client


def test_admin_pages_render(staff_client, incident):
    for url in ("/admin/incidents/incident/", f"/admin/incidents/incident/{incident.pk}/change/",
                "/admin/incidents/incident/?status__exact=triggered&is_drill__exact=0",
                "/admin/incidents/severity/", "/admin/incidents/service/", "/admin/incidents/runbook/add/",
                "/admin/incidents/rootcausecategory/"):
        response = staff_client.get(url)
        assert response.status_code == 200, url


def test_admin_hides_other_orgs_incidents(staff_client, make_org):
    foreign = services.incident_create(organization=make_org(), title="secret", severity="P1")
    assert staff_client.get(f"/admin/incidents/incident/{foreign.pk}/change/").status_code == 302
    assert b"secret" not in staff_client.get("/admin/incidents/incident/").content


def test_admin_actions_call_the_services(staff_client, incident):
    response = staff_client.post("/admin/incidents/incident/", {
        "action": "acknowledge", "_selected_action": [incident.pk]})
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == S.ACKNOWLEDGED
    staff_client.post("/admin/incidents/incident/", {"action": "resolve", "_selected_action": [incident.pk]})
    assert Incident.objects.get(pk=incident.pk).status == S.ACKNOWLEDGED, "the verification gate still applies"
    assert incident.timeline.filter(kind="acknowledged").count() == 1
