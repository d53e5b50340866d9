"""Severities, services, runbooks and root-cause categories: everyone reads, admins write."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.models import RootCauseCategory, Severity
from tenancy.enums import Role
from tests.incidents.factories import RunbookFactory, ServiceFactory
from tests.oncall.factories import EscalationPolicyFactory

pytestmark = pytest.mark.django_db


def url(org, resource, pk=None):
    return f"/api/v1/orgs/{org.slug}/{resource}/" + (f"{pk}/" if pk else "")


def test_new_orgs_get_the_plans_severities(org, member_of):
    _viewer, client = member_of(Role.VIEWER)
    rows = client.get(url(org, "severities")).json()["results"]
    assert [(row["name"], row["label"], row["rank"]) for row in rows] == [
        ("P0", "Critical", 0), ("P1", "High", 1), ("P2", "Medium", 2), ("P3", "Low", 3)]
    p0, p1, p2, p3 = (Severity.objects.get(organization=org, name=name) for name in ("P0", "P1", "P2", "P3"))
    assert (p0.ack_sla, p0.update_interval, p0.war_room) == (timedelta(minutes=15), timedelta(minutes=15), True)
    assert (p1.ack_sla, p1.update_interval, p1.war_room) == (timedelta(hours=1), timedelta(minutes=30), True)
    assert (p2.ack_sla, p2.update_interval, p2.war_room) == (timedelta(hours=4), timedelta(hours=2), False)
    assert (p3.ack_sla, p3.update_interval, p3.war_room) == (timedelta(hours=24), None, False)
    assert p0.paging_channels == ["voice", "chat"]
    assert p3.paging_channels == ["email"]
    assert RootCauseCategory.objects.filter(organization=org).count() >= 5


PAYLOADS = {
    "severities": {"name": "P4", "label": "Trivial", "rank": 4, "ack_sla": "2 00:00:00", "paging_channels": ["email"]},
    "services": {"name": "Search", "owner_team": "Discovery", "war_room_url_template": "https://meet/{number}"},
    "root-cause-categories": {"name": "Human error", "description": "Manual step went wrong."},
    "runbooks": {"title": "Redis down", "symptoms": "Celery cannot connect", "tags": ["redis"]},
}


@pytest.mark.parametrize("resource", list(PAYLOADS))
@pytest.mark.parametrize(("role", "expected_status"),
                         [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 201), (Role.OWNER, 201)])
def test_only_admins_configure(org, member_of, resource, role, expected_status):
    _member, client = member_of(role)
    response = client.post(url(org, resource), PAYLOADS[resource])
    assert response.status_code == expected_status, response.content
    assert client.get(url(org, resource)).status_code == 200


@pytest.mark.parametrize("resource", list(PAYLOADS))
def test_admin_updates_and_deletes(org, member_of, resource):
    _admin, client = member_of(Role.ADMIN)
    created = client.post(url(org, resource), PAYLOADS[resource]).json()
    field = "title" if resource == "runbooks" else "description"
    response = client.patch(url(org, resource, created["id"]), {field: "changed"})
    assert response.status_code == 200, response.content
    assert response.json()[field] == "changed"
    assert client.delete(url(org, resource, created["id"])).status_code == 204


@pytest.mark.parametrize("resource", ["severities", "services", "root-cause-categories"])
def test_duplicate_names_are_400(org, member_of, resource):
    _admin, client = member_of(Role.ADMIN)
    payload = {**PAYLOADS[resource], "name": "P1"} if resource == "severities" else PAYLOADS[resource]
    if resource != "severities":
        assert client.post(url(org, resource), payload).status_code == 201
    response = client.post(url(org, resource), payload)
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_bad_severity_input_names_fields(org, member_of):
    _admin, client = member_of(Role.ADMIN)
    response = client.post(url(org, "severities"), {"name": "P5", "ack_sla": "soon", "paging_channels": ["pigeon"]})
    assert response.status_code == 400
    assert {"ack_sla", "paging_channels"} <= set(response.json()["errors"])


def test_service_with_policy_and_policy_of_another_org(org, member_of, make_org):
    _admin, client = member_of(Role.ADMIN)
    mine = EscalationPolicyFactory(organization=org)
    theirs = EscalationPolicyFactory(organization=make_org())
    ok = client.post(url(org, "services"), {"name": "API", "escalation_policy": mine.pk})
    assert ok.status_code == 201
    assert ok.json()["escalation_policy"] == mine.pk
    refused = client.post(url(org, "services"), {"name": "DB", "escalation_policy": theirs.pk})
    assert refused.status_code == 400
    assert "escalation_policy" in refused.json()["errors"]


def test_in_use_severity_and_service_are_not_deleted(org, member_of, service, incident):
    _admin, client = member_of(Role.ADMIN)
    p1 = Severity.objects.get(organization=org, name="P1")
    assert client.delete(url(org, "severities", p1.pk)).status_code == 409
    assert client.delete(url(org, "services", service.pk)).status_code == 409


def test_runbooks_by_service(org, member_of, service, make_org):
    other = ServiceFactory(organization=org)
    RunbookFactory(organization=org, title="for api", services=[service])
    RunbookFactory(organization=org, title="for other", services=[other])
    _admin, client = member_of(Role.ADMIN)
    for query in (f"?services={service.pk}", f"?service={service.pk}"):
        rows = client.get(url(org, "runbooks") + query).json()["results"]
        assert [row["title"] for row in rows] == ["for api"]
    RunbookFactory(organization=org, title="tagged", tags=["redis", "p1"])
    assert [row["title"] for row in client.get(url(org, "runbooks") + "?tag=redis").json()["results"]] == ["tagged"]
    assert client.get(url(org, "runbooks") + "?service=abc").status_code == 400
    foreign = ServiceFactory(organization=make_org())
    response = client.post(url(org, "runbooks"), {"title": "x", "services": [foreign.pk]})
    assert response.status_code == 400
    assert "services" in response.json()["errors"]


@pytest.mark.parametrize("resource", list(PAYLOADS))
def test_catalog_lists_run_the_same_queries_for_a_small_and_a_large_page(org, member_of, resource):
    services_ = [ServiceFactory(organization=org) for _ in range(14)]
    for index in range(14):
        RunbookFactory(organization=org, services=services_[: index % 3 + 1])
        services.root_cause_category_create(organization=org, name=f"cause {index}")
        services.severity_create(organization=org, name=f"X{index}", rank=10 + index, ack_sla=timedelta(hours=1))
    _viewer, client = member_of(Role.VIEWER)
    client.get(url(org, resource))  # the token's first use writes last_used_at
    counts = {}
    for size in (2, 12):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(org, resource) + f"?page_size={size}")
        assert len(response.json()["results"]) == size
        counts[size] = len(captured)
    assert counts[2] == counts[12]
    assert counts[12] <= 6


def test_catalog_delete_service_helper_refuses_in_use(incident, service):
    from tenancy.errors import ConflictError

    with pytest.raises(ConflictError):
        services.catalog_object_delete(obj=service)
