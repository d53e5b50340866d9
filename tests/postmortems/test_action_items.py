"""Action items: the tracker API (filters, role matrix), done stamps, signed webhooks for every change."""

import hashlib
import hmac
from datetime import date, timedelta

import pytest
from django.utils import timezone

from comms.services import contacts
from postmortems import services
from tenancy.enums import Role
from tests.comms.receiver import HttpReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def postmortem(p1_incident):
    return services.postmortem_open(incident=p1_incident)


def test_each_change_is_a_signed_webhook_in_order(org, alice, postmortem, receiver,
                                                  django_capture_on_commit_callbacks):
    _endpoint, secret = contacts.webhook_endpoint_create(organization=org, name="tracker", url=receiver.url("/jira"))
    contacts.webhook_endpoint_create(organization=org, name="incidents only", url=receiver.url("/other"),
                                     events=["incident.resolved"])
    with django_capture_on_commit_callbacks(execute=True):
        item = services.action_item_create(organization=org, postmortem=postmortem, title="Fix leaks", owner=alice,
                                           due_date=date(2026, 10, 15))
    with django_capture_on_commit_callbacks(execute=True):
        item = services.action_item_update(item=item, status="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        services.action_item_update(item=item, status="in_progress")  # no change: no event
    with django_capture_on_commit_callbacks(execute=True):
        item = services.action_item_update(item=item, status="done")
    received = receiver.at("/jira")
    assert [r.json()["event"] for r in received] == ["action_item.created", "action_item.updated",
                                                     "action_item.completed"]
    assert [r.json()["data"]["status"] for r in received] == ["open", "in_progress", "done"]
    assert received[0].json()["subject"] == f"action_item:{item.pk}"
    assert received[2].json()["data"]["done_at"] == item.done_at.isoformat()
    for request in received:
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Foghorn-Signature"] == f"sha256={expected}"
    assert receiver.at("/other") == []


def test_reopening_clears_done_at(org, postmortem):
    item = services.action_item_create(organization=org, postmortem=postmortem, title="x", status="done")
    assert item.done_at is not None
    assert services.action_item_update(item=item, status="open").done_at is None


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.RESPONDER, 201), (Role.ADMIN, 201)])
def test_create_role_matrix(org, member_of, postmortem, alice, role, expected):
    _member, client = member_of(role)
    response = client.post(f"/api/v1/orgs/{org.slug}/action-items/", {
        "postmortem": postmortem.pk, "title": "Add pool alert", "owner": alice.pk, "due_date": "2026-10-14"})
    assert response.status_code == expected
    if expected == 201:
        body = response.json()
        assert (body["incident"], body["owner"]["id"], body["status"]) == (postmortem.incident.number, alice.pk, "open")


def test_bad_input_names_the_field(org, member_of, postmortem, make_org, make_member):
    stranger = make_member(make_org(), Role.RESPONDER).user
    _member, client = member_of(Role.RESPONDER)
    url = f"/api/v1/orgs/{org.slug}/action-items/"
    assert client.post(url, {"title": "x"}).json()["errors"].keys() == {"postmortem"}
    assert client.post(url, {"postmortem": postmortem.pk, "title": "x", "owner": stranger.pk}).json()[
        "errors"].keys() == {"owner"}
    assert client.post(url, {"incident": 999, "title": "x"}).json()["errors"].keys() == {"incident"}
    assert client.post(url, {"postmortem": postmortem.pk, "title": "x", "status": "later"}).status_code == 400


def test_tracker_filters_owner_status_overdue_incident(org, member_of, postmortem, alice, make_member):
    bob = make_member(org, Role.RESPONDER, name="Bob").user
    today = timezone.localdate()
    late = services.action_item_create(organization=org, postmortem=postmortem, title="late", owner=alice,
                                       due_date=today - timedelta(days=2))
    services.action_item_create(organization=org, postmortem=postmortem, title="soon", owner=bob,
                                due_date=today + timedelta(days=2))
    services.action_item_create(organization=org, postmortem=postmortem, title="done late", owner=bob,
                                due_date=today - timedelta(days=2), status="done")
    _member, client = member_of(Role.VIEWER)
    url = f"/api/v1/orgs/{org.slug}/action-items/"

    def titles(**params):
        return sorted(item["title"] for item in client.get(url, params).json()["results"])

    assert titles(overdue="true") == ["late"]
    assert titles(owner=bob.pk) == ["done late", "soon"]
    assert titles(status="done") == ["done late"]
    assert titles(incident=postmortem.incident.number, overdue="false") == ["done late", "soon"]
    assert client.get(url, {"overdue": "maybe"}).status_code == 400
    assert client.get(url + f"{late.pk}/").json()["overdue"] is True


@pytest.mark.parametrize(("role", "expected"), [(Role.RESPONDER, 403), (Role.ADMIN, 200)])
def test_overdue_by_owner_is_for_admins(org, member_of, postmortem, alice, role, expected):
    services.action_item_create(organization=org, postmortem=postmortem, title="late", owner=alice, priority="high",
                                due_date=timezone.localdate() - timedelta(days=1))
    _member, client = member_of(role)
    response = client.get(f"/api/v1/orgs/{org.slug}/action-items/overdue-by-owner/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == [{"owner": {"id": alice.pk, "email": alice.email, "name": "Alice"},
                                    "overdue": 1, "high_priority": 1}]


def test_patch_completes_an_item(org, member_of, postmortem):
    item = services.action_item_create(organization=org, postmortem=postmortem, title="x")
    _member, client = member_of(Role.RESPONDER)
    response = client.patch(f"/api/v1/orgs/{org.slug}/action-items/{item.pk}/", {"status": "done"})
    assert response.status_code == 200
    assert response.json()["done_at"] is not None
    assert response.json()["version"] == 2
