"""The state machine: every legal and illegal move, the resolve gate, and one event per change."""

import itertools

import pytest

from incidents import guards, services
from incidents.enums import IncidentStatus as S
from incidents.enums import TimelineKind
from incidents.models import Incident, TimelineEvent
from incidents.models.timeline import AppendOnlyError
from tenancy.enums import Role
from tenancy.errors import ApplicationError, ConflictError
from tests.incidents.helpers import bring_to, incident_url, tick_verification

pytestmark = pytest.mark.django_db

LEGAL = {
    (S.TRIGGERED, S.ACKNOWLEDGED), (S.TRIGGERED, S.RESOLVED),
    (S.ACKNOWLEDGED, S.INVESTIGATING), (S.ACKNOWLEDGED, S.RESOLVED),
    (S.INVESTIGATING, S.FIXING), (S.INVESTIGATING, S.MONITORING), (S.INVESTIGATING, S.RESOLVED),
    (S.FIXING, S.MONITORING), (S.FIXING, S.RESOLVED),
    (S.MONITORING, S.FIXING), (S.MONITORING, S.RESOLVED),
    (S.RESOLVED, S.CLOSED), (S.RESOLVED, S.INVESTIGATING),
}
ALL_PAIRS = list(itertools.product(S.values, S.values))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]
EXPECTED_KIND = {S.ACKNOWLEDGED: TimelineKind.ACKNOWLEDGED, S.RESOLVED: TimelineKind.RESOLVED,
                 S.CLOSED: TimelineKind.CLOSED}


@pytest.mark.parametrize(("start", "target"), sorted(LEGAL))
def test_legal_move_through_the_api(org, member_of, incident, start, target):
    responder, client = member_of(Role.RESPONDER)
    incident = bring_to(incident, start)
    tick_verification(incident)
    before = TimelineEvent.objects.filter(incident=incident).count()

    response = client.post(incident_url(org, incident, "transition"), {"status": target, "note": "moving on"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == target
    events = list(TimelineEvent.objects.filter(incident=incident).order_by("at", "id"))
    assert len(events) == before + 1, "a move leaves exactly one timeline event"
    expected = TimelineKind.REOPENED if start == S.RESOLVED and target == S.INVESTIGATING else (
        EXPECTED_KIND.get(target, TimelineKind.STATUS_CHANGED))
    assert events[-1].kind == expected
    assert events[-1].actor == responder.user
    assert (events[-1].payload["from"], events[-1].payload["to"]) == (start, target)


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_illegal_move_is_409_naming_the_allowed_statuses(org, member_of, incident, start, target):
    _responder, client = member_of(Role.RESPONDER)
    incident = bring_to(incident, start)
    before = TimelineEvent.objects.filter(incident=incident).count()

    response = client.post(incident_url(org, incident, "transition"), {"status": target})

    assert response.status_code == 409, response.content
    body = response.json()
    allowed = sorted(target for source, target in LEGAL if source == start)
    assert sorted(body["errors"]["allowed_statuses"]) == allowed
    for status in allowed:
        assert status in body["message"]
    assert Incident.objects.get(pk=incident.pk).status == start
    assert TimelineEvent.objects.filter(incident=incident).count() == before


def test_unknown_status_is_400(org, member_of, incident):
    _responder, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org, incident, "transition"), {"status": "on-fire"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    with pytest.raises(ApplicationError):
        services.incident_transition(incident=incident, status="on-fire")


def test_timestamps_follow_the_moves(incident):
    incident = services.incident_acknowledge(incident=incident)
    assert incident.acknowledged_at is not None
    incident = services.incident_transition(incident=incident, status=S.INVESTIGATING)
    incident = services.incident_transition(incident=incident, status=S.MONITORING)
    assert incident.monitoring_since is not None
    incident = services.incident_transition(incident=incident, status=S.FIXING)
    assert incident.monitoring_since is None
    incident = services.incident_resolve(incident=incident, override_reason="rolled back")
    assert incident.resolved_at is not None
    incident = services.incident_transition(incident=incident, status=S.CLOSED)
    assert incident.closed_at is not None


def test_the_system_moves_any_open_incident_to_monitoring(incident):
    with pytest.raises(ConflictError):
        services.incident_transition(incident=incident, status=S.MONITORING)
    incident = services.incident_transition(incident=incident, status=S.MONITORING, system=True)
    assert incident.status == S.MONITORING
    event = incident.timeline.order_by("-id").first()
    assert event.actor is None
    assert event.payload["system"] is True


def test_acknowledge_is_a_noop_past_triggered(org, member_of, incident):
    _responder, client = member_of(Role.RESPONDER)
    assert client.post(incident_url(org, incident, "acknowledge")).json()["status"] == S.ACKNOWLEDGED
    count = incident.timeline.count()
    response = client.post(incident_url(org, incident, "acknowledge"))
    assert response.status_code == 200
    assert response.json()["status"] == S.ACKNOWLEDGED
    assert incident.timeline.count() == count


def test_acknowledging_ticks_the_triage_box(incident, responder):
    services.incident_acknowledge(incident=incident, actor=responder.user)
    item = incident.checklist_items.get(key="acknowledge_alert")
    assert item.done
    assert item.checked_by == responder.user


def test_resolve_needs_the_verification_checklist(org, member_of, incident):
    _responder, client = member_of(Role.RESPONDER)
    incident = bring_to(incident, S.MONITORING)
    count = incident.timeline.count()

    refused = client.post(incident_url(org, incident, "resolve"), {"root_cause": "leak", "impact": "none"})

    assert refused.status_code == 409
    assert "override_reason" in refused.json()["errors"]
    assert "Health checks passing" in refused.json()["errors"]["checklist"]
    assert Incident.objects.get(pk=incident.pk).status == S.MONITORING
    assert incident.timeline.count() == count

    tick_verification(incident)
    response = client.post(incident_url(org, incident, "resolve"), {"root_cause": "leak", "impact": "500 users"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["root_cause"], body["customer_impact"]) == (S.RESOLVED, "leak", "500 users")
    event = incident.timeline.order_by("-id").first()
    assert event.kind == TimelineKind.RESOLVED
    assert event.payload["override_reason"] is None


def test_resolve_override_is_recorded(org, member_of, incident):
    _responder, client = member_of(Role.RESPONDER)
    response = client.post(incident_url(org, incident, "resolve"), {"override_reason": "False alarm: test monitor."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.RESOLVED
    event = incident.timeline.order_by("-id").first()
    assert event.kind == TimelineKind.RESOLVED
    assert event.payload["override_reason"] == "False alarm: test monitor."
    assert "health_checks" in event.payload["checklist_incomplete"]


def test_blank_override_does_not_pass_the_gate(incident):
    with pytest.raises(ConflictError):
        services.incident_resolve(incident=incident, override_reason="   ")


def test_resolving_twice_is_409(org, member_of, incident):
    _responder, client = member_of(Role.RESPONDER)
    incident = bring_to(incident, S.RESOLVED)
    response = client.post(incident_url(org, incident, "resolve"), {"override_reason": "again"})
    assert response.status_code == 409
    assert sorted(response.json()["errors"]["allowed_statuses"]) == [S.CLOSED, S.INVESTIGATING]


def test_reopen_clears_resolution_and_verification(incident):
    incident = bring_to(incident, S.MONITORING)
    tick_verification(incident)
    incident = services.incident_resolve(incident=incident)
    incident = services.incident_transition(incident=incident, status=S.INVESTIGATING, note="It is back.")
    assert incident.resolved_at is None
    assert not incident.checklist_items.filter(checklist="verification", done=True).exists()
    assert incident.timeline.order_by("-id").first().kind == TimelineKind.REOPENED


def test_every_change_leaves_exactly_one_event(org, incident, responder, make_member):
    other = make_member(org, Role.RESPONDER)

    def count():
        return TimelineEvent.objects.filter(incident=incident).count()

    assert count() == 1
    assert incident.timeline.get().kind == TimelineKind.INCIDENT_CREATED
    steps = [
        (lambda: services.incident_acknowledge(incident=incident, actor=responder.user), TimelineKind.ACKNOWLEDGED),
        (lambda: services.incident_transition(incident=incident, status=S.INVESTIGATING), TimelineKind.STATUS_CHANGED),
        (lambda: services.incident_change_severity(incident=incident, severity="P0"), TimelineKind.SEVERITY_CHANGED),
        (lambda: services.incident_assign_commander(incident=incident, commander=other.user),
         TimelineKind.COMMANDER_ASSIGNED),
        (lambda: services.participant_add(incident=incident, user=responder.user, role="scribe"),
         TimelineKind.PARTICIPANT_ADDED),
        (lambda: services.incident_note_add(incident=incident, text="RDS at 100 connections"), TimelineKind.NOTE),
        (lambda: services.incident_action_record(incident=incident, kind="rollback", description="Rolled back api",
                                                 command="aws ecs update-service …"), TimelineKind.ACTION_TAKEN),
        (lambda: services.incident_update_details(incident=incident, customer_impact="Users cannot apply"),
         TimelineKind.DETAILS_CHANGED),
        (lambda: tick_verification(incident), TimelineKind.CHECKLIST_UPDATED),
        (lambda: services.incident_transition(incident=incident, status=S.FIXING), TimelineKind.STATUS_CHANGED),
        (lambda: services.incident_resolve(incident=incident, root_cause="leak"), TimelineKind.RESOLVED),
        (lambda: services.incident_transition(incident=incident, status=S.CLOSED), TimelineKind.CLOSED),
    ]
    for change, kind in steps:
        before = count()
        change()
        assert count() == before + 1, kind
        assert TimelineEvent.objects.filter(incident=incident).order_by("-id").first().kind == kind


def test_no_change_leaves_no_event(incident):
    count = incident.timeline.count()
    services.incident_change_severity(incident=incident, severity="P1")
    services.incident_checklist_update(incident=incident, changes=[{"key": "health_checks", "done": False}])
    services.incident_update_details(incident=incident, title=incident.title)
    assert incident.timeline.count() == count


def test_timeline_is_append_only(incident):
    event = incident.timeline.get()
    event.payload = {"rewritten": True}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        TimelineEvent.objects.filter(pk=event.pk).update(kind="note")
    with pytest.raises(AppendOnlyError):
        TimelineEvent.objects.filter(pk=event.pk).delete()


def test_close_guards_refuse_with_their_reasons(incident):
    def needs_review(candidate):
        return f"#{candidate.number} needs a review."

    guards.register_close_guard(needs_review)
    guards.register_close_guard(needs_review)  # once
    try:
        incident = bring_to(incident, S.RESOLVED)
        with pytest.raises(ConflictError) as refused:
            services.incident_transition(incident=incident, status=S.CLOSED)
        assert refused.value.errors == {"status": [f"#{incident.number} needs a review."]}
    finally:
        guards.unregister_close_guard(needs_review)
    assert services.incident_transition(incident=incident, status=S.CLOSED).status == S.CLOSED
