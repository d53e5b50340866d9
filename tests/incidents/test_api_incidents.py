"""The incidents API: create, list with filters, actions, roles, bad input and query counts."""

from datetime import UTC, datetime

import pytest

from incidents import services
from incidents.enums import IncidentStatus as S
from incidents.enums import TimelineKind
from tenancy.enums import Role
from tests.incidents.factories import RunbookFactory, ServiceFactory
from tests.incidents.helpers import bring_to, incident_url

pytestmark = pytest.mark.django_db


def test_create_answers_201_with_number_status_and_commander(org, member_of, service):
    _responder, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org), {"title": "API 5xx spike", "severity": "P1", "service": service.pk,
                                               "description": "5xx > 5% for 5 minutes"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 1
    assert body["status"] == "triggered"
    assert body["severity"] == "P1"
    assert body["service"] == service.pk
    assert "commander" in body
    assert body["allowed_transitions"] == ["acknowledged", "resolved"]
    assert client.post(incident_url(org), {"title": "Again", "severity": "P3"}).json()["number"] == 2


@pytest.mark.parametrize(("payload", "field"), [
    ({"severity": "P1"}, "title"),
    ({"title": "x"}, "severity"),
    ({"title": "x", "severity": "P9"}, "severity"),
    ({"title": "x", "severity": "P1", "service": 999999}, "service"),
    ({"title": "x", "severity": "P1", "service": "api"}, "service"),
    ({"title": "x", "severity": "P1", "detected_at": "yesterday"}, "detected_at"),
])
def test_bad_create_input_names_the_field(org, member_of, payload, field):
    _responder, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org), payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_service_of_another_org_is_400(org, member_of, make_org):
    foreign = ServiceFactory(organization=make_org())
    _responder, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org), {"title": "x", "severity": "P1", "service": foreign.pk})
    assert response.status_code == 400
    assert "service" in response.json()["errors"]


@pytest.mark.parametrize(("role", "expected_status"),
                         [(Role.VIEWER, 403), (Role.RESPONDER, 201), (Role.ADMIN, 201), (Role.OWNER, 201)])
def test_who_may_open_incidents(org, member_of, role, expected_status):
    _member, client = member_of(role)
    assert client.post(incident_url(org), {"title": "x", "severity": "P2"}).status_code == expected_status


ACTIONS = [
    ("post", "acknowledge", {}),
    ("post", "transition", {"status": "acknowledged"}),
    ("post", "resolve", {"override_reason": "false alarm"}),
    ("post", "notes", {"text": "checking RDS"}),
    ("post", "actions", {"kind": "rollback", "description": "Rolled back api", "command": "aws ecs …"}),
    ("post", "participants", {"user": None, "role": "scribe"}),
    ("patch", "checklist", {"items": [{"key": "health_checks", "done": True}]}),
    ("patch", None, {"customer_impact": "Users cannot apply"}),
]


@pytest.mark.parametrize(("role", "allowed"),
                         [(Role.VIEWER, False), (Role.RESPONDER, True), (Role.ADMIN, True), (Role.OWNER, True)])
@pytest.mark.parametrize(("method", "action", "payload"), ACTIONS, ids=[a[1] or "update" for a in ACTIONS])
def test_responders_work_incidents_viewers_read(org, member_of, incident, role, allowed, method, action, payload):
    member, client = member_of(role)
    if "user" in payload:
        payload = {**payload, "user": member.user.pk}
    response = getattr(client, method)(incident_url(org, incident, action), payload)
    assert response.status_code in ((200, 201) if allowed else (403,)), response.content


@pytest.mark.parametrize("role", [Role.VIEWER, Role.RESPONDER, Role.ADMIN, Role.OWNER])
@pytest.mark.parametrize("action", [None, "timeline", "participants", "checklist"])
def test_everyone_reads(org, member_of, incident, role, action):
    _member, client = member_of(role)
    assert client.get(incident_url(org, incident, action)).status_code == 200
    assert client.get(incident_url(org)).status_code == 200


def test_detail_lists_the_runbooks_of_the_service(org, member_of, incident, service):
    RunbookFactory(organization=org, title="API 5xx spike", services=[service])
    RunbookFactory(organization=org, title="Disk space low", services=[ServiceFactory(organization=org)])
    _viewer, client = member_of(Role.VIEWER)
    body = client.get(incident_url(org, incident)).json()
    assert [runbook["title"] for runbook in body["runbooks"]] == ["API 5xx spike"]


def test_unknown_number_is_404(org, member_of):
    _viewer, client = member_of(Role.VIEWER)
    assert client.get(f"/api/v1/orgs/{org.slug}/incidents/999/").status_code == 404


@pytest.fixture
def mixed(org, make_incident, service):
    """Six incidents: different statuses, severities, services, a drill, and detection dates."""
    other = ServiceFactory(organization=org, name="Workers")
    specs = [
        ("a", "P0", service, S.TRIGGERED, False, datetime(2026, 1, 1, tzinfo=UTC)),
        ("b", "P1", service, S.INVESTIGATING, False, datetime(2026, 1, 5, tzinfo=UTC)),
        ("c", "P1", other, S.MONITORING, False, datetime(2026, 1, 10, tzinfo=UTC)),
        ("d", "P2", other, S.RESOLVED, False, datetime(2026, 1, 15, tzinfo=UTC)),
        ("e", "P3", None, S.CLOSED, False, datetime(2026, 1, 20, tzinfo=UTC)),
        ("f", "P0", service, S.ACKNOWLEDGED, True, datetime(2026, 1, 25, tzinfo=UTC)),
    ]
    for title, severity, svc, status, drill, detected in specs:
        incident = make_incident(title=title, severity=severity, service=svc, is_drill=drill, detected_at=detected)
        bring_to(incident, status)
    return {"service": service, "other": other}


def titles(response):
    assert response.status_code == 200, response.content
    return sorted(row["title"] for row in response.json()["results"])


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["a", "b", "c", "d", "e", "f"]),
    ("?status=monitoring", ["c"]),
    ("?status=triggered&status=acknowledged", ["a", "f"]),
    ("?severity=P1", ["b", "c"]),
    ("?severity=P0&severity=P3", ["a", "e", "f"]),
    ("?open=true", ["a", "b", "c", "f"]),
    ("?open=false", ["d", "e"]),
    ("?state=closed", ["d", "e"]),
    ("?is_drill=true", ["f"]),
    ("?drill=false", ["a", "b", "c", "d", "e"]),
    ("?detected_after=2026-01-05&detected_before=2026-01-16", ["b", "c", "d"]),
    ("?since=2026-01-20T00:00:00Z", ["e", "f"]),
])
def test_list_filters(org, member_of, mixed, query, expected):
    _viewer, client = member_of(Role.VIEWER)
    assert titles(client.get(incident_url(org) + query)) == expected


def test_list_filters_by_service(org, member_of, mixed):
    _viewer, client = member_of(Role.VIEWER)
    assert titles(client.get(incident_url(org) + f"?service={mixed['other'].pk}")) == ["c", "d"]


def test_list_ordering_and_pagination(org, member_of, mixed):
    _viewer, client = member_of(Role.VIEWER)
    body = client.get(incident_url(org) + "?page_size=2").json()
    assert body["count"] == 6
    assert [row["number"] for row in body["results"]] == [6, 5]
    assert body["next"]
    by_detection = client.get(incident_url(org) + "?ordering=detected_at").json()["results"]
    assert [row["title"] for row in by_detection] == ["a", "b", "c", "d", "e", "f"]
    by_severity = client.get(incident_url(org) + "?ordering=severity__rank,number").json()["results"]
    assert [row["severity"] for row in by_severity] == ["P0", "P0", "P1", "P1", "P2", "P3"]


@pytest.mark.parametrize(("query", "field"), [
    ("?severity=P9", "severity"),
    ("?status=exploding", "status"),
    ("?detected_after=not-a-date", "detected_after"),
    ("?until=2026-13-45", "until"),
    ("?service=abc", "service"),
    ("?open=maybe", "open"),
])
def test_bad_filters_are_400_naming_the_field(org, member_of, query, field):
    _viewer, client = member_of(Role.VIEWER)
    response = client.get(incident_url(org) + query)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_filter_by_service_of_another_org_is_400(org, member_of, make_org):
    foreign = ServiceFactory(organization=make_org())
    _viewer, client = member_of(Role.VIEWER)
    assert client.get(incident_url(org) + f"?service={foreign.pk}").status_code == 400


def test_notes_actions_and_timeline(org, member_of, incident):
    responder, client = member_of(Role.RESPONDER)
    note = client.post(incident_url(org, incident, "notes"), {"text": "RDS connections at 100"})
    assert note.status_code == 201, note.content
    assert note.json()["kind"] == "note"
    action = client.post(incident_url(org, incident, "actions"), {
        "kind": "scale", "description": "Scaled workers to 15",
        "command": "aws ecs update-service --cluster roleferry-prod --service workers --desired-count 15"})
    assert action.status_code == 201, action.content
    timeline = client.get(incident_url(org, incident, "timeline")).json()
    assert [event["kind"] for event in timeline["results"]] == ["incident_created", "note", "action_taken"]
    assert timeline["results"][1]["actor"]["id"] == responder.user.pk
    assert timeline["results"][2]["payload"]["command"].startswith("aws ecs")


@pytest.mark.parametrize(("action", "payload", "field"), [
    ("notes", {"text": ""}, "text"),
    ("notes", {}, "text"),
    ("actions", {"kind": "pray", "description": "x"}, "kind"),
    ("actions", {"kind": "rollback"}, "description"),
    ("transition", {}, "status"),
    ("participants", {"user": 999999}, "user"),
    ("participants", {"user": None, "role": "king"}, "role"),
    ("resolve", {"root_cause_category": 999999, "override_reason": "x"}, "root_cause_category"),
])
def test_bad_action_input_is_400(org, member_of, incident, action, payload, field):
    responder, client = member_of(Role.RESPONDER)
    if payload.get("user", 0) is None:
        payload = {**payload, "user": responder.user.pk}
    response = client.post(incident_url(org, incident, action), payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_participants_roster(org, member_of, incident, make_member):
    _responder, client = member_of(Role.RESPONDER)
    cto = make_member(org, Role.ADMIN, name="Frank CTO").user
    response = client.post(incident_url(org, incident, "participants"), {"user": cto.pk, "role": "decision_maker"})
    assert response.status_code == 201, response.content
    assert response.json()["user"]["id"] == cto.pk
    roster = client.get(incident_url(org, incident, "participants")).json()["results"]
    assert {(row["user"]["id"], row["role"]) for row in roster} >= {(cto.pk, "decision_maker")}
    assert incident.timeline.order_by("-id").first().kind == TimelineKind.PARTICIPANT_ADDED


def test_participant_as_commander_hands_over_command(org, member_of, incident, make_member):
    _responder, client = member_of(Role.RESPONDER)
    new = make_member(org, Role.RESPONDER).user
    response = client.post(incident_url(org, incident, "participants"), {"user": new.pk, "role": "commander"})
    assert response.status_code == 201
    assert client.get(incident_url(org, incident)).json()["commander"]["id"] == new.pk


def test_checklist_read_and_tick(org, member_of, incident):
    responder, client = member_of(Role.RESPONDER)
    body = client.get(incident_url(org, incident, "checklist")).json()
    assert [item["key"] for item in body["triage"]] == [
        "acknowledge_alert", "assess_severity", "create_channel", "notify_stakeholders", "start_war_room"]
    assert [item["key"] for item in body["verification"]] == [
        "health_checks", "error_rate_baseline", "latency_normal", "key_features_working", "stable_30_minutes"]
    assert body["verification_complete"] is False

    ticks = [{"key": "health_checks", "done": True}, {"key": "latency_normal", "done": True}]
    response = client.patch(incident_url(org, incident, "checklist"), {"items": ticks})
    assert response.status_code == 200, response.content
    ticked = {item["key"]: item for item in response.json()["verification"]}
    assert ticked["health_checks"]["done"] is True
    assert ticked["health_checks"]["checked_by"]["id"] == responder.user.pk
    item_id = ticked["error_rate_baseline"]["id"]
    single = client.patch(incident_url(org, incident, "checklist"), {"id": item_id, "done": True})
    assert single.status_code == 200
    assert {item["key"]: item["done"] for item in single.json()["verification"]}["error_rate_baseline"] is True
    bad = client.patch(incident_url(org, incident, "checklist"), {"items": [{"key": "nope", "done": True}]})
    assert bad.status_code == 400
    assert "items" in bad.json()["errors"]


def test_update_severity_by_name(org, member_of, incident):
    _responder, client = member_of(Role.RESPONDER)
    response = client.patch(incident_url(org, incident), {"severity": "P0"})
    assert response.status_code == 200
    assert response.json()["severity"] == "P0"
    assert client.patch(incident_url(org, incident), {"severity": "P7"}).status_code == 400
    event = incident.timeline.order_by("-id").first()
    assert (event.kind, event.payload) == (TimelineKind.SEVERITY_CHANGED, {"from": "P1", "to": "P0"})


def test_war_room_link_for_war_room_severities(org, member_of):
    service = ServiceFactory(organization=org, war_room_url_template="https://zoom.us/j/1?i={number}")
    _responder, client = member_of(Role.RESPONDER)
    p0 = client.post(incident_url(org), {"title": "x", "severity": "P0", "service": service.pk}).json()
    p3 = client.post(incident_url(org), {"title": "y", "severity": "P3", "service": service.pk}).json()
    assert p0["war_room_url"] == "https://zoom.us/j/1?i=1"
    assert p3["war_room_url"] == ""


def _populate(org, service, count):
    for index in range(count):
        incident = services.incident_create(organization=org, title=f"i{index}", severity="P2", service=service)
        services.incident_note_add(incident=incident, text="note")


@pytest.mark.parametrize("size", [2, 20])
def test_incident_list_query_count_is_constant(org, member_of, service, make_member, size,
                                               django_assert_max_num_queries):
    _populate(org, service, 22)
    incident = services.incident_create(organization=org, title="busy", severity="P1", service=service)
    for _ in range(size):
        services.incident_note_add(incident=incident, text="n")
        services.participant_add(incident=incident, user=make_member(org, Role.RESPONDER).user, role="engineer")
    _viewer, client = member_of(Role.VIEWER)
    client.get(incident_url(org))  # the token's first use writes last_used_at
    urls = (incident_url(org), incident_url(org, incident, "timeline"), incident_url(org, incident, "participants"))
    for url in urls:
        with django_assert_max_num_queries(6):
            response = client.get(f"{url}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
    with django_assert_max_num_queries(6):
        assert client.get(incident_url(org, incident, "checklist")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(incident_url(org, incident)).status_code == 200


@pytest.mark.parametrize(("query", "expected"), [
    ("?status=open", ["a", "b", "c", "f"]),
    ("?status=closed", ["d", "e"]),
    ("?status=closed&status=triggered", ["a", "d", "e"]),
])
def test_status_filter_understands_open_and_closed(org, member_of, mixed, query, expected):
    _viewer, client = member_of(Role.VIEWER)
    assert titles(client.get(incident_url(org) + query)) == expected


@pytest.mark.parametrize("body", [
    [{"key": "health_checks", "done": True}],
    {"key": "health_checks", "done": True},
    {"health_checks": True},
])
def test_checklist_patch_shapes(org, member_of, incident, body):
    _responder, client = member_of(Role.RESPONDER)
    response = client.patch(incident_url(org, incident, "checklist"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["verification"][0]["done"] is True
