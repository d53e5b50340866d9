"""The on-call API: nested writes, reads, roles, bad input and constant query counts."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oncall import services
from oncall.models import LayerVersion, Override, Schedule
from tenancy.enums import Role
from tests.oncall.factories import EscalationPolicyFactory, local, weekly_layer

pytestmark = pytest.mark.django_db


def base(org):
    return f"/api/v1/orgs/{org.slug}"


def layer_body(people, **extra):
    return {"name": "Primary", "participants": [p.pk for p in people], "rotation_type": "weekly",
            "shift_length": 1, "rotation_start": "2025-01-06T09:00:00", **extra}


@pytest.fixture
def admin_client(member_of):
    return member_of(Role.ADMIN)[1]


def test_create_schedule_with_nested_layers_and_read_it_back(org, people, admin_client):
    body = {"name": "Primary", "time_zone": "Europe/Berlin", "layers": [
        layer_body(people[:2]),
        layer_body(people[2:3], name="Daytime", restrictions={"type": "daily_restriction",
                                                              "start_time_of_day": "09:00:00",
                                                              "duration_seconds": 28800}),
    ]}
    response = admin_client.post(f"{base(org)}/schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [layer["priority"] for layer in data["layers"]] == [1, 2]
    assert data["layers"][0]["participants"][0] == {"id": people[0].pk, "email": people[0].email,
                                                     "name": people[0].name}
    assert data["layers"][1]["restrictions"][0]["duration_seconds"] == 28800
    assert data["layers"][0]["rotation_start"] == "2025-01-06T09:00:00"
    fetched = admin_client.get(f"{base(org)}/schedules/{data['id']}/").json()
    assert fetched == data


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 201), (Role.OWNER, 201)],
)
def test_only_admins_configure_schedules(org, people, member_of, role, expected_status):
    _membership, client = member_of(role)
    response = client.post(f"{base(org)}/schedules/", {"name": "S", "layers": [layer_body(people[:1])]},
                           format="json")
    assert response.status_code == expected_status


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [(Role.VIEWER, 403), (Role.RESPONDER, 201), (Role.ADMIN, 201), (Role.OWNER, 201)],
)
def test_responders_cover_each_others_shifts_with_overrides(org, people, member_of, make_schedule, role,
                                                            expected_status):
    schedule = make_schedule([weekly_layer(people[:2])])
    membership, client = member_of(role)
    response = client.post(f"{base(org)}/schedules/{schedule.pk}/overrides/", {
        "user": membership.user.pk, "replaces_user": people[0].pk,
        "start": "2025-01-07T00:00:00Z", "end": "2025-01-08T00:00:00Z"}, format="json")
    assert response.status_code == expected_status
    if expected_status == 201:
        assert response.json()["user"]["id"] == membership.user.pk
        assert response.json()["replaces_user"]["id"] == people[0].pk


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [(Role.VIEWER, 200), (Role.RESPONDER, 200), (Role.ADMIN, 200), (Role.OWNER, 200)],
)
def test_every_member_reads_who_is_on_call(org, people, member_of, make_schedule, role, expected_status):
    schedule = make_schedule([weekly_layer(people[:2])])
    _membership, client = member_of(role)
    response = client.get(f"{base(org)}/schedules/{schedule.pk}/oncall/", {"at": "2025-01-14T10:00:00Z"})
    assert response.status_code == expected_status
    assert response.json()["users"] == [{"id": people[1].pk, "email": people[1].email, "name": people[1].name}]
    assert response.json()["source"]["type"] == "layer"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"layers": [{"shift_length": 0}]}, "layers"),
        ({"layers": [{"rotation_type": "fortnightly"}]}, "layers"),
        ({"layers": [{"end": "2024-01-01T00:00:00"}]}, "layers"),
        ({"layers": [{"rotation_start": "next monday"}]}, "layers"),
        ({"layers": [{"participants": []}]}, "layers"),
        ({"layers": [{"restrictions": {"type": "daily_restriction", "start_time_of_day": "25:00",
                                       "duration_seconds": 60}}]}, "layers"),
        ({"layers": [{"priority": 5}, {"priority": 5}]}, "layers"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_schedule_input_is_a_400_naming_the_field(org, people, admin_client, change, field):
    body = {"name": "S", "time_zone": "UTC", "layers": [layer_body(people[:1])]}
    if "layers" in change:
        body["layers"] = [layer_body(people[:1], **item) for item in change.pop("layers")]
    body.update(change)
    response = admin_client.post(f"{base(org)}/schedules/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]


def test_a_participant_from_another_org_is_refused(org, make_org, make_member, admin_client):
    stranger = make_member(make_org()).user
    response = admin_client.post(f"{base(org)}/schedules/", {"name": "S", "layers": [layer_body([stranger])]},
                                 format="json")
    assert response.status_code == 400
    assert "participants" in str(response.json()["errors"])


def test_override_ending_before_it_starts_is_a_400(org, people, admin_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:1])])
    response = admin_client.post(f"{base(org)}/schedules/{schedule.pk}/overrides/", {
        "user": people[1].pk, "start": "2025-01-08T00:00:00Z", "end": "2025-01-07T00:00:00Z"}, format="json")
    assert response.status_code == 400
    assert "end" in response.json()["errors"]
    assert not Override.objects.exists()


def test_shifts_are_clipped_unless_overflow(org, people, admin_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:2])], time_zone="Europe/Berlin")
    url = f"{base(org)}/schedules/{schedule.pk}/shifts/"
    window = {"since": "2025-01-08T00:00:00+01:00", "until": "2025-01-15T00:00:00+01:00"}
    clipped = admin_client.get(url, window).json()
    assert [(s["user"]["id"], s["start"], s["end"]) for s in clipped] == [
        (people[0].pk, "2025-01-08T00:00:00+01:00", "2025-01-13T09:00:00+01:00"),
        (people[1].pk, "2025-01-13T09:00:00+01:00", "2025-01-15T00:00:00+01:00"),
    ]
    whole = admin_client.get(url, {**window, "overflow": "true"}).json()
    assert [(s["start"], s["end"]) for s in whole] == [
        ("2025-01-06T09:00:00+01:00", "2025-01-13T09:00:00+01:00"),
        ("2025-01-13T09:00:00+01:00", "2025-01-20T09:00:00+01:00"),
    ]
    assert whole[0]["source"]["type"] == "layer"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-01-01T00:00:00Z", "until": "2026-02-01T00:00:00Z"}, "until"),
        ({"since": "2025-01-02T00:00:00Z", "until": "2025-01-01T00:00:00Z"}, "until"),
        ({"until": "2025-13-01"}, "until"),
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
    ],
)
def test_bad_windows_are_a_400_naming_the_parameter(org, people, admin_client, make_schedule, params, field):
    schedule = make_schedule([weekly_layer(people[:1])])
    for route in ("shifts", "gaps"):
        response = admin_client.get(f"{base(org)}/schedules/{schedule.pk}/{route}/", params)
        assert response.status_code == 400
        assert field in response.json()["errors"]
    response = admin_client.get(f"{base(org)}/schedules/{schedule.pk}/oncall/", {"at": "soon"})
    assert response.status_code == 400
    assert "at" in response.json()["errors"]


def test_gaps_route(org, people, admin_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:1], start="2025-01-06T00:00")])
    response = admin_client.get(f"{base(org)}/schedules/{schedule.pk}/gaps/",
                                {"since": "2025-01-05T00:00:00Z", "until": "2025-01-07T00:00:00Z"})
    assert response.json() == [{"start": "2025-01-05T00:00:00+00:00", "end": "2025-01-06T00:00:00+00:00"}]


def test_updating_participants_adds_a_version_from_effective_from(org, people, admin_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:3])])
    url = f"{base(org)}/schedules/{schedule.pk}/"
    data = admin_client.get(url).json()
    data["layers"][0]["participants"] = [people[0].pk, people[2].pk]  # Ben (not on call) leaves
    data["effective_from"] = "2025-01-08T00:00:00Z"
    response = admin_client.put(url, data, format="json")
    assert response.status_code == 200, response.json()
    assert len(response.json()["layers"][0]["versions"]) == 2
    assert LayerVersion.objects.filter(layer__schedule=schedule).count() == 2
    oncall = admin_client.get(f"{url}oncall/", {"at": "2025-01-14T00:00:00Z"}).json()
    assert oncall["users"][0]["id"] == people[2].pk
    earlier = admin_client.patch(url, {"layers": [{**data["layers"][0], "participants": [people[1].pk],
                                                   "effective_from": "2025-01-07T00:00:00Z"}]}, format="json")
    assert earlier.status_code == 400
    assert "effective_from" in earlier.json()["errors"]


def test_a_schedule_or_layer_used_by_a_policy_cannot_be_deleted(org, people, admin_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:1])])
    EscalationPolicyFactory(organization=org, name="Payments", steps=[{"schedules": [schedule]}])
    url = f"{base(org)}/schedules/{schedule.pk}/"
    response = admin_client.delete(url)
    assert response.status_code == 400
    assert "Payments" in response.json()["message"]
    response = admin_client.patch(url, {"layers": []}, format="json")
    assert response.status_code == 400
    assert "Payments" in response.json()["message"]
    assert schedule.layers.count() == 1


def test_delete_an_unused_schedule(org, people, admin_client, make_schedule):
    schedule = make_schedule([weekly_layer(people[:1])])
    assert admin_client.delete(f"{base(org)}/schedules/{schedule.pk}/").status_code == 204


def test_escalation_policy_with_nested_steps(org, people, admin_client, make_schedule):
    primary = make_schedule([weekly_layer(people[:1])], name="Primary")
    group = admin_client.post(f"{base(org)}/responder-groups/", {"name": "CTO", "members": [people[3].pk]},
                              format="json").json()
    response = admin_client.post(f"{base(org)}/escalation-policies/", {
        "name": "Default", "repeat_count": 2, "steps": [
            {"delay_minutes": 10, "schedules": [primary.pk]},
            {"delay_minutes": 5, "users": [people[1].pk]},
            {"delay_minutes": 15, "targets": [{"type": "responder_group", "id": group["id"]}]},
        ]}, format="json")
    assert response.status_code == 201, response.json()
    steps = response.json()["steps"]
    assert [s["position"] for s in steps] == [1, 2, 3]
    assert steps[0]["schedules"] == [{"id": primary.pk, "name": "Primary"}]
    assert steps[2]["groups"][0]["name"] == "CTO"
    url = f"{base(org)}/escalation-policies/{response.json()['id']}/"
    assert admin_client.patch(url, {"repeat_count": 10}, format="json").status_code == 400
    changed = admin_client.patch(url, {"steps": [{"users": [people[0].pk]}]}, format="json")
    assert len(changed.json()["steps"]) == 1
    assert admin_client.delete(f"{base(org)}/responder-groups/{group['id']}/").status_code == 204


def test_oncall_across_all_schedules(org, people, admin_client, make_schedule):
    make_schedule([weekly_layer(people[:1])], name="A")
    make_schedule([weekly_layer(people[1:2], start="2030-01-07T09:00")], name="B")
    response = admin_client.get(f"{base(org)}/oncall/", {"at": "2025-02-01T00:00:00Z"})
    assert [(row["schedule"]["name"], [u["id"] for u in row["users"]]) for row in response.json()] == [
        ("A", [people[0].pk]), ("B", []),
    ]


def test_handoff_lead_time_preference(org, member_of):
    _membership, client = member_of(Role.RESPONDER)
    url = f"{base(org)}/oncall-preferences/"
    assert client.get(url).json()["handoff_lead_time_seconds"] == 3600
    assert client.put(url, {"handoff_lead_time": "12:00:00"}, format="json").json()[
        "handoff_lead_time_seconds"] == 12 * 3600
    assert client.put(url, {"handoff_lead_time": "00:05:00"}, format="json").status_code == 400
    assert client.put(url, {"handoff_lead_time": "8 00:00:00"}, format="json").status_code == 400


def _many_schedules(org, people, make_schedule, count, start=0):
    for index in range(start, start + count):
        schedule = make_schedule([weekly_layer(people[:2]), weekly_layer(people[2:], priority=5)], name=f"S{index}")
        services.override_create(schedule=schedule, user=people[0], start=datetime(2025, 1, 7, tzinfo=UTC),
                                 end=datetime(2025, 1, 8, tzinfo=UTC))


def _populate(org, people, make_schedule, first, count):
    _many_schedules(org, people, make_schedule, count, start=first)
    schedules = list(Schedule.objects.filter(organization=org))[:2]
    for index in range(first, first + count):
        EscalationPolicyFactory(organization=org, name=f"P{index}", steps=[
            {"schedules": schedules, "users": people[:2]}])
        services.responder_group_create(organization=org, name=f"G{index}", members=people[:2])


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("route", ["schedules/", "escalation-policies/", "responder-groups/"])
def test_lists_run_the_same_number_of_queries_for_a_small_and_a_large_page(org, people, admin_client,
                                                                           make_schedule, route):
    _populate(org, people, make_schedule, 0, 12)
    url = f"{base(org)}/{route}"
    admin_client.get(url)  # the token's first use writes last_used_at
    small = _queries(admin_client, url, {"at": "2025-01-07T12:00:00Z", "page_size": 2})
    large = _queries(admin_client, url, {"at": "2025-01-07T12:00:00Z", "page_size": 12})
    assert small == large
    assert large <= 12


def test_who_is_on_call_runs_the_same_number_of_queries_for_3_and_12_schedules(org, people, admin_client,
                                                                               make_schedule):
    url, params = f"{base(org)}/oncall/", {"at": "2025-01-07T12:00:00Z"}
    _populate(org, people, make_schedule, 0, 3)
    admin_client.get(url, params)  # the token's first use writes last_used_at
    few = _queries(admin_client, url, params)
    _populate(org, people, make_schedule, 3, 9)
    many = _queries(admin_client, url, params)
    assert len(admin_client.get(url, params).json()) == 12
    assert few == many


def test_patching_a_layer_with_only_its_changed_fields_keeps_the_rest(org, people, admin_client, make_schedule):
    schedule = make_schedule([{"name": "Days", "participants": people[:2], "rotation_type": "daily",
                               "shift_length": 2, "rotation_start": local("2025-01-06T08:00")}])
    url = f"{base(org)}/schedules/{schedule.pk}/"
    layer_id = schedule.layers.get().pk
    response = admin_client.patch(url, {"effective_from": "2025-02-01T00:00:00Z", "layers": [
        {"id": layer_id, "participants": [people[2].pk]}]}, format="json")
    assert response.status_code == 200, response.json()
    layer = response.json()["layers"][0]
    assert (layer["name"], layer["rotation_type"], layer["shift_length"]) == ("Days", "daily", 2)
    assert layer["rotation_start"] == "2025-01-06T08:00:00"
    assert [p["id"] for p in layer["participants"]] == [people[2].pk]
    missing = admin_client.patch(url, {"layers": [{"participants": [people[0].pk]}]}, format="json")
    assert missing.status_code == 400
    assert "rotation_start" in str(missing.json()["errors"])


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 201), (Role.OWNER, 201)],
)
def test_only_admins_configure_escalation_policies_and_groups(org, people, member_of, role, expected_status):
    _membership, client = member_of(role)
    group = client.post(f"{base(org)}/responder-groups/", {"name": "CTO", "members": [people[0].pk]}, format="json")
    assert group.status_code == expected_status
    policy = client.post(f"{base(org)}/escalation-policies/", {"name": "P", "steps": [{"users": [people[0].pk]}]},
                         format="json")
    assert policy.status_code == expected_status
    assert client.get(f"{base(org)}/escalation-policies/").status_code == 200


def test_override_update_and_delete(org, people, member_of, make_schedule):
    schedule = make_schedule([weekly_layer(people[:2])])
    _membership, client = member_of(Role.RESPONDER)
    url = f"{base(org)}/schedules/{schedule.pk}/overrides/"
    created = client.post(url, {"user": people[2].pk, "start": "2025-01-07T00:00:00Z",
                                "end": "2025-01-08T00:00:00Z"}, format="json").json()
    changed = client.patch(f"{url}{created['id']}/", {"end": "2025-01-09T00:00:00Z"}, format="json")
    assert changed.status_code == 200
    oncall = client.get(f"{base(org)}/schedules/{schedule.pk}/oncall/", {"at": "2025-01-08T12:00:00Z"}).json()
    assert oncall["users"][0]["id"] == people[2].pk
    assert oncall["source"] == {"type": "override", "id": created["id"], "name": ""}
    assert client.patch(f"{url}{created['id']}/", {"end": "2025-01-06T00:00:00Z"}, format="json").status_code == 400
    assert client.get(url).json()["count"] == 1
    assert client.delete(f"{url}{created['id']}/").status_code == 204
    assert client.get(url).json()["count"] == 0


def test_overrides_of_an_unknown_schedule_are_a_404(org, admin_client):
    assert admin_client.get(f"{base(org)}/schedules/999999/overrides/").status_code == 404


def test_repeat_from_a_chosen_step_is_configurable_and_snapshotted(org, people, admin_client):
    from oncall import selectors
    from oncall.models import EscalationPolicy

    response = admin_client.post(f"{base(org)}/escalation-policies/", {
        "name": "Repeat from secondary", "repeat_count": 2, "repeat_from_position": 2, "steps": [
            {"delay_minutes": 5, "users": [people[0].pk]},
            {"delay_minutes": 5, "users": [people[1].pk]},
        ]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["repeat_from_position"] == 2
    url = f"{base(org)}/escalation-policies/{response.json()['id']}/"
    assert admin_client.patch(url, {"repeat_count": 3}, format="json").json()["repeat_from_position"] == 2
    snapshot = selectors.escalation_policy_snapshot(EscalationPolicy.objects.get(pk=response.json()["id"]))
    assert snapshot["repeat_from_position"] == 2
    too_far = admin_client.patch(url, {"repeat_from_position": 3}, format="json")
    assert too_far.status_code == 400
    assert "repeat_from_position" in too_far.json()["errors"]
    shrink = admin_client.patch(url, {"steps": [{"users": [people[0].pk]}]}, format="json")
    assert shrink.status_code == 400
    assert len(admin_client.get(url).json()["steps"]) == 2
