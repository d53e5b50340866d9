"""Opening (through the outbox, idempotent), content (timeline, five whys), the close gate, the API."""

import pytest
from django.utils import timezone

from incidents import events
from incidents import services as incident_services
from incidents.enums import TimelineKind
from incidents.models import TimelineEvent
from oncall.models import ResponderGroup
from postmortems import services
from postmortems.enums import EntrySource
from postmortems.models import PostMortem
from tenancy.enums import Role
from tenancy.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_resolving_a_p1_opens_its_postmortem_through_the_outbox(org, alice, make_member, p1_incident, resolve,
                                                                django_capture_on_commit_callbacks):
    cto = make_member(org, Role.ADMIN, name="Cto").user
    ceo = make_member(org, Role.ADMIN, name="Ceo").user
    ResponderGroup.objects.create(organization=org, name="CTO").members.add(cto)
    ResponderGroup.objects.create(organization=org, name="CEO").members.add(ceo)
    incident_services.incident_note_add(incident=p1_incident, text="idle connections not closing", actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        incident = resolve(p1_incident, actor=alice)
    postmortem = PostMortem.objects.get(incident=incident)
    assert postmortem.owner == alice
    assert postmortem.due_at == incident.resolved_at + timezone.timedelta(hours=48)
    assert set(postmortem.attendees.all()) == {alice, cto}  # no CEO for a P1
    texts = [entry.text for entry in postmortem.timeline_entries.order_by("at", "id")]
    assert texts[0].startswith("Incident opened: Database connection failure")
    assert "Note (Alice): idle connections not closing" in texts
    assert texts[-1].startswith("Resolved (Alice)")
    assert {entry.source for entry in postmortem.timeline_entries.all()} == {EntrySource.IMPORTED}
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.POSTMORTEM_CREATED).count() == 1


def test_opening_is_idempotent_when_the_event_is_dispatched_again(p1_incident, resolve,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = resolve(p1_incident)
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.RESOLVED)
    events.dispatch(event.pk)
    services.on_resolved(event)  # a handler run again by a re-delivered message
    services.postmortem_open(incident=incident)
    assert PostMortem.objects.filter(incident=incident).count() == 1
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.POSTMORTEM_CREATED).count() == 1


def test_p0_invites_the_ceo_and_p2_opens_only_on_request(org, alice, make_member, service, resolve,
                                                         django_capture_on_commit_callbacks):
    ceo = make_member(org, Role.ADMIN, name="Ceo").user
    ResponderGroup.objects.create(organization=org, name="ceo").members.add(ceo)
    with django_capture_on_commit_callbacks(execute=True):
        p0 = incident_services.incident_create(organization=org, title="All down", severity="P0", service=service)
        p2 = incident_services.incident_create(organization=org, title="Slow page", severity="P2", service=service)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(p0)
        resolve(p2)
    assert ceo in PostMortem.objects.get(incident=p0).attendees.all()
    assert not PostMortem.objects.filter(incident=p2).exists()


def test_five_whys_keep_their_order(p1_incident):
    postmortem = services.postmortem_open(incident=p1_incident)
    chain = [{"why": "Why did the API fail?", "because": "The pool was exhausted"},
             {"why": "Why was it exhausted?", "because": "Connections leaked"},
             {"why": "Why did they leak?", "because": "No context managers"}]
    services.postmortem_whys_set(postmortem=postmortem, whys=chain)
    assert [(w.position, w.why) for w in postmortem.whys.order_by("position")] == [
        (0, chain[0]["why"]), (1, chain[1]["why"]), (2, chain[2]["why"])]
    services.postmortem_whys_set(postmortem=postmortem, whys=list(reversed(chain)))
    assert [w.because for w in postmortem.whys.order_by("position")] == [
        "No context managers", "Connections leaked", "The pool was exhausted"]


def test_timeline_entries_are_edited_added_and_removed(p1_incident):
    postmortem = services.postmortem_open(incident=p1_incident)
    imported = list(postmortem.timeline_entries.order_by("at", "id"))
    first = imported[0]
    added_at = first.at + timezone.timedelta(minutes=5)
    result = services.postmortem_timeline_set(postmortem=postmortem, entries=[
        {"id": first.pk, "at": first.at, "text": "Alert triggered (database connections = 100)"},
        {"at": added_at, "text": "Identified root cause"}])
    assert [(entry.text, entry.source) for entry in result] == [
        ("Alert triggered (database connections = 100)", EntrySource.IMPORTED),
        ("Identified root cause", EntrySource.ADDED)]


def test_close_gate_needs_the_postmortem_published_or_waived(org, admin_member, alice, p1_incident, resolve):
    incident = resolve(p1_incident)
    with pytest.raises(ApplicationError) as refused:
        incident_services.incident_transition(incident=incident, status="closed", actor=alice)
    assert refused.value.status_code == 409
    assert "none yet" in refused.value.message
    postmortem = services.postmortem_open(incident=incident)
    with pytest.raises(ApplicationError) as refused:
        incident_services.incident_transition(incident=incident, status="closed", actor=alice)
    assert "post-mortem is draft" in refused.value.message
    services.postmortem_update(postmortem=postmortem, status="in_review", actor=alice)
    services.postmortem_update(postmortem=postmortem, status="published", actor=alice)
    closed = incident_services.incident_transition(incident=incident, status="closed", actor=alice)
    assert closed.status == "closed"
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.POSTMORTEM_PUBLISHED).count() == 1


def test_an_admin_waives_with_a_reason_on_the_timeline(org, admin_member, alice, p1_incident, resolve):
    incident = resolve(p1_incident)
    postmortem = services.postmortem_open(incident=incident)
    with pytest.raises(ApplicationError) as refused:
        services.postmortem_waive(postmortem=postmortem, actor=alice, reason="duplicate")
    assert refused.value.status_code == 403
    with pytest.raises(ApplicationError) as refused:
        services.postmortem_waive(postmortem=postmortem, actor=admin_member.user, reason=" ")
    assert refused.value.errors == {"reason": ["This field is required."]}
    services.postmortem_waive(postmortem=postmortem, actor=admin_member.user, reason="Duplicate of #3")
    event = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.POSTMORTEM_WAIVED)
    assert event.payload["reason"] == "Duplicate of #3"
    assert incident_services.incident_transition(incident=incident, status="closed").status == "closed"


def test_p2_closes_without_a_postmortem(org, service, resolve):
    incident = resolve(incident_services.incident_create(organization=org, title="Slow", severity="P2",
                                                         service=service))
    assert incident_services.incident_transition(incident=incident, status="closed").status == "closed"


def test_close_refused_through_the_api_names_why(org, member_of, p1_incident, resolve):
    incident = resolve(p1_incident)
    _member, client = member_of(Role.RESPONDER)
    response = client.post(f"/api/v1/orgs/{org.slug}/incidents/{incident.number}/transition/", {"status": "closed"})
    assert response.status_code == 409
    assert "post-mortem" in response.json()["errors"]["status"][0]


def test_mitigated_at_is_the_first_move_to_monitoring(p1_incident):
    incident = incident_services.incident_transition(incident=p1_incident, status="investigating")
    incident = incident_services.incident_transition(incident=incident, status="monitoring")
    first = incident.mitigated_at
    incident = incident_services.incident_transition(incident=incident, status="fixing")
    incident = incident_services.incident_transition(incident=incident, status="monitoring")
    assert first is not None
    assert incident.mitigated_at == first


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.RESPONDER, 201), (Role.ADMIN, 201)])
def test_opening_on_request_role_matrix(org, member_of, service, role, expected):
    incident = incident_services.incident_create(organization=org, title="Slow page", severity="P3", service=service)
    _member, client = member_of(role)
    response = client.post(f"/api/v1/orgs/{org.slug}/postmortems/", {"incident": incident.number})
    assert response.status_code == expected
    if expected == 201:
        again = client.post(f"/api/v1/orgs/{org.slug}/postmortems/", {"incident": incident.number})
        assert again.json()["id"] == response.json()["id"]


def test_api_edits_content_timeline_and_whys(org, member_of, p1_incident):
    postmortem = services.postmortem_open(incident=p1_incident)
    _member, client = member_of(Role.RESPONDER)
    base = f"/api/v1/orgs/{org.slug}/postmortems/{postmortem.pk}/"
    response = client.patch(base, {"summary": "45-minute outage", "users_affected": 500, "revenue_lost": "150",
                                   "other_impact": {"Support tickets": 40}})
    assert response.status_code == 200, response.json()
    assert response.json()["users_affected"] == 500
    assert "- Support tickets: ~40\n" in client.get(base + "export.md").content.decode()
    assert client.patch(base, {"users_affected": -1}).json()["errors"].keys() == {"users_affected"}
    assert client.patch(base, {"status": "bogus"}).status_code == 400
    response = client.post(base + "timeline/", {"at": "2026-10-13T14:40:00Z", "text": "Identified root cause"})
    assert response.status_code == 201
    assert response.json()["source"] == "added"
    response = client.put(base + "whys/", {"whys": [{"why": "Why down?", "because": "Pool"},
                                                    {"why": "Why pool?", "because": "Leak"}]})
    assert [pair["position"] for pair in response.json()] == [0, 1]
    assert client.put(base + "whys/", {"whys": [{"why": "", "because": "x"}]}).status_code == 400
    assert client.get(base + "whys/").json()[1]["because"] == "Leak"


@pytest.mark.parametrize(("role", "expected"), [(Role.RESPONDER, 403), (Role.ADMIN, 200)])
def test_waive_role_matrix(org, member_of, p1_incident, role, expected):
    postmortem = services.postmortem_open(incident=p1_incident)
    _member, client = member_of(role)
    response = client.post(f"/api/v1/orgs/{org.slug}/postmortems/{postmortem.pk}/waive/", {"reason": "dup"})
    assert response.status_code == expected
