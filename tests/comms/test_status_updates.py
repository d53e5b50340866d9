"""Status updates: drafts against the plan's template texts, posting (exactly once to #incidents),
the cadence rule for the next update time, and apply_status along legal transitions only."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from comms.enums import Purpose
from comms.models import Notification, StatusUpdate
from comms.services import status as status_services
from incidents import events
from incidents import services as incident_services
from incidents.enums import IncidentStatus, TimelineKind
from tenancy.enums import Role
from tenancy.errors import ApplicationError, ConflictError
from tests.comms.status_setup import DETECTED, plan_incident, post

pytestmark = pytest.mark.django_db

INTERNAL_EXAMPLE = """[P0] Database Connection Failure - 14:30 UTC
Status: INVESTIGATING
Impact: API down, users cannot apply
Root cause: Unknown (checking RDS metrics)
ETA: 15 minutes
Next update: 14:45
IC: @john"""

CLOSURE_EXAMPLE = """[RESOLVED] Database Connection Failure - 15:15 UTC
Duration: 45 minutes
Root cause: RDS max_connections exhausted (killed idle connections)
Impact: ~500 users unable to apply during outage
Fix: Increased max_connections from 100 → 200, deployed connection pooling fix
Post-mortem: Due by Wed Oct 15, 15:15 UTC
IC: @john"""

PUBLIC_RESOLVED_EXAMPLE = """[RESOLVED] Service Disruption
Resolved at 15:15 UTC. All systems operational.
Post-mortem will be published within 48 hours."""


def resolve_as_in_the_plan(incident, john):
    with time_machine.travel(DETECTED + timedelta(minutes=40), tick=False):
        incident_services.incident_action_record(
            incident=incident, kind="deploy_fix", actor=john,
            description="Increased max_connections from 100 → 200, deployed connection pooling fix")
    with time_machine.travel(DETECTED + timedelta(minutes=45), tick=False):
        incident_services.incident_resolve(
            incident=incident, actor=john, override_reason="test", impact="~500 users unable to apply during outage",
            root_cause="RDS max_connections exhausted (killed idle connections)")
    incident.refresh_from_db()
    return incident


def test_internal_draft_is_the_plans_example(org, make_member, receiver):
    incident, john = plan_incident(org, make_member, receiver)
    with time_machine.travel(DETECTED + timedelta(minutes=5), tick=False):
        post(incident, john, root_cause="Unknown (checking RDS metrics)", eta="15 minutes")
    with time_machine.travel(DETECTED, tick=False):
        draft = status_services.status_update_draft(incident=incident, audience="internal")
    assert draft["body"] == INTERNAL_EXAMPLE
    assert draft["status"] == "investigating"
    assert draft["next_update_at"] == DETECTED + timedelta(minutes=15)  # P0: every 15 minutes
    assert draft["commander"] == john.pk


def test_public_draft_follows_the_external_template(org, make_member, receiver):
    incident, _john = plan_incident(org, make_member, receiver)
    with time_machine.travel(DETECTED, tick=False):
        draft = status_services.status_update_draft(incident=incident, audience="public")
    assert draft["body"] == (
        "[INVESTIGATING] Service Disruption\nPosted: 14:30 UTC\n\nAPI down, users cannot apply\n"
        "We're investigating the issue and will share more as soon as we know it.\n\nNext update: 14:45 UTC")
    assert draft["title"] == "Service Disruption"


def test_closure_and_public_resolution_drafts_are_the_plans_texts(org, make_member, receiver):
    incident, john = plan_incident(org, make_member, receiver)
    incident = resolve_as_in_the_plan(incident, john)
    closure = status_services.status_update_draft(incident=incident, audience="closure")
    assert closure["body"] == CLOSURE_EXAMPLE
    assert closure["status"] == "resolved"
    assert closure["next_update_at"] is None
    assert closure["variables"]["duration"] == "45 minutes"
    public = status_services.status_update_draft(incident=incident, audience="public")
    assert public["body"] == PUBLIC_RESOLVED_EXAMPLE


def test_posting_an_internal_update_reaches_the_chat_receiver_exactly_once(
        org, make_member, receiver, django_capture_on_commit_callbacks):
    incident, john = plan_incident(org, make_member, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        update = post(incident, john, root_cause="Unknown (checking RDS metrics)", eta="15 minutes")
    event = incident.timeline.get(kind=TimelineKind.STATUS_UPDATE_POSTED)
    assert event.payload == {"status_update_id": update.pk, "audience": "internal", "status": "investigating"}
    posted = [r for r in receiver.at("/incidents") if "Status: INVESTIGATING" in r.body.decode()]
    assert len(posted) == 1
    assert "Root cause: Unknown (checking RDS metrics)" in posted[0].json()["text"]
    # The outbox re-drives the event (at least once): nothing is sent again.
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch(event.pk)
        events._run(event, events._handlers["comms.status_updates"])
        assert status_services.status_update_deliver(status_update_id=update.pk) == 0
    assert len([r for r in receiver.at("/incidents") if "Status: INVESTIGATING" in r.body.decode()]) == 1
    row = Notification.objects.get(status_update=update)
    assert (row.purpose, row.state, row.chat_destination.name) == (Purpose.STATUS_UPDATE, "sent", "#incidents")


def test_public_updates_are_not_sent_to_chat(org, make_member, receiver, django_capture_on_commit_callbacks):
    incident, john = plan_incident(org, make_member, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        post(incident, john, audience="public")
    assert not Notification.objects.filter(purpose=Purpose.STATUS_UPDATE).exists()


def test_the_closure_message_goes_where_internal_updates_go(
        org, make_member, receiver, django_capture_on_commit_callbacks):
    incident, john = plan_incident(org, make_member, receiver)
    with pytest.raises(ConflictError):
        post(incident, john, audience="closure", status="resolved")
    with django_capture_on_commit_callbacks(execute=True):
        incident = resolve_as_in_the_plan(incident, john)
    offer = incident.timeline.filter(kind=TimelineKind.SYSTEM, payload__closure_draft__isnull=False).get()
    assert offer.payload["closure_draft"] == CLOSURE_EXAMPLE
    assert offer.payload["draft_path"].endswith("/status-updates/draft/?audience=closure")
    with django_capture_on_commit_callbacks(execute=True):
        update = post(incident, john, audience="closure", status="resolved")
    assert update.body == CLOSURE_EXAMPLE
    assert update.next_update_at is None
    assert any("[RESOLVED] Database Connection Failure" in r.body.decode() for r in receiver.at("/incidents"))
    incident.refresh_from_db()
    assert incident.next_update_at is None


def test_a_later_next_update_needs_a_reason_on_the_timeline(org, make_member, receiver):
    incident, john = plan_incident(org, make_member, receiver, severity="P1")
    with time_machine.travel(DETECTED, tick=False):
        with pytest.raises(ApplicationError) as refused:
            post(incident, john, next_update_at=DETECTED + timedelta(hours=1))
        assert set(refused.value.errors) == {"next_update_at", "reason"}
        assert not StatusUpdate.objects.exists()
        earlier = post(incident, john, next_update_at=DETECTED + timedelta(minutes=10))
        assert earlier.next_update_at == DETECTED + timedelta(minutes=10)
        later = post(incident, john, next_update_at=DETECTED + timedelta(hours=1), reason="Waiting on AWS support")
    assert later.next_update_at == DETECTED + timedelta(hours=1)
    notes = [e.payload["text"] for e in incident.timeline.filter(kind=TimelineKind.NOTE)]
    assert any("Waiting on AWS support" in text for text in notes)
    incident.refresh_from_db()
    assert incident.next_update_at == later.next_update_at


def test_apply_status_moves_the_incident_only_along_legal_transitions(org, make_member, receiver):
    incident, john = plan_incident(org, make_member, receiver)
    post(incident, john, status="fixing")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED  # posting alone does not move it
    with pytest.raises(ConflictError):
        post(incident, john, status="fixing", apply_status=True)  # acknowledged → fixing is not a move
    assert StatusUpdate.objects.filter(incident=incident).count() == 1
    post(incident, john, status="investigating", apply_status=True)
    post(incident, john, status="fixing", apply_status=True)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FIXING


def test_status_update_api(org, make_member, receiver, api_client_for, django_capture_on_commit_callbacks):
    incident, _john = plan_incident(org, make_member, receiver)
    responder = make_member(org, Role.RESPONDER)
    viewer = make_member(org, Role.VIEWER)
    base = {"org_slug": org.slug, "number": incident.number}
    list_url = reverse("incident-status-updates-list", kwargs=base)
    draft_url = reverse("incident-status-updates-draft", kwargs=base)
    client = api_client_for(responder)
    draft = client.get(draft_url, {"audience": "internal"})
    assert draft.status_code == 200, draft.content
    assert draft.json()["body"].startswith("[P0] Database Connection Failure - ")
    assert client.get(draft_url, {"audience": "everyone"}).status_code == 400
    assert api_client_for(viewer).post(list_url, {"audience": "internal", "status": "fixing"}).status_code == 403
    bad = client.post(list_url, {"audience": "internal", "status": "panicking"})
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(list_url, {"audience": "internal", "status": "investigating", "eta": "1 hour"})
    assert created.status_code == 201, created.content
    assert "ETA: 1 hour" in created.json()["body"]
    listed = api_client_for(viewer).get(list_url).json()["results"]
    assert [u["id"] for u in listed] == [created.json()["id"]]
    shown = client.get(reverse("incidents-detail", kwargs=base)).json()
    assert shown["next_update_at"] is not None
    assert shown["update_overdue"] is False
    illegal = client.post(list_url, {"audience": "internal", "status": "monitoring", "apply_status": True})
    assert illegal.status_code == 409
