"""GET postmortems/<id>/export.md against the plan's example (7.1)."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from incidents import services as incident_services
from incidents.models import RootCauseCategory
from postmortems import render, services
from tenancy.enums import Role

pytestmark = pytest.mark.django_db

# The plan's template (7.1) word for word, but for the completed item, which the export ticks: "- [x]".
PLAN_EXAMPLE = """# Post-Mortem: Database Connection Failure (Oct 13, 2025)

## Summary
45-minute outage due to connection pool exhaustion.

## Timeline
- 14:30: Alert triggered (database connections = 100)
- 14:35: On-call acknowledged, started investigation
- 14:40: Identified root cause (idle connections not closing)
- 14:50: Killed idle connections, service restored
- 15:00: Deployed connection pooling fix
- 15:15: Verified stable, incident closed

## Root Cause
Application code not using context managers → connections leaked.

## Impact
- Users affected: ~500
- Revenue loss: ~$150 (45 min downtime)
- Applications missed: ~25

## Action Items
- [ ] Fix connection leaks in user service (@alice, Oct 15)
- [ ] Add connection pool monitoring alert (@bob, Oct 14)
- [x] Increase max_connections to 200 (@bob, Completed)
- [ ] Add integration test for connection cleanup (@charlie, Oct 16)

## Lessons Learned
- **Good**: Fast detection (5 min), effective containment
- **Bad**: Should have caught in staging (better load testing needed)
"""

TIMELINE = [("14:30", "Alert triggered (database connections = 100)"),
            ("14:35", "On-call acknowledged, started investigation"),
            ("14:40", "Identified root cause (idle connections not closing)"),
            ("14:50", "Killed idle connections, service restored"),
            ("15:00", "Deployed connection pooling fix"),
            ("15:15", "Verified stable, incident closed")]


def at(clock: str) -> datetime:
    hour, minute = clock.split(":")
    return datetime(2025, 10, 13, int(hour), int(minute), tzinfo=UTC)


@pytest.fixture
def plan_postmortem(org, make_member, service):
    people = {name: make_member(org, Role.RESPONDER, name=name.title(), email=f"{name}@acme.test").user
              for name in ("alice", "bob", "charlie")}
    with time_machine.travel(at("14:30"), tick=False):
        incident = incident_services.incident_create(organization=org, title="Database Connection Failure",
                                                     severity="P1", service=service)
    with time_machine.travel(at("15:15"), tick=False):
        incident = incident_services.incident_resolve(incident=incident, override_reason="verified")
        postmortem = services.postmortem_open(incident=incident)
    services.postmortem_timeline_set(postmortem=postmortem,
                                     entries=[{"at": at(clock), "text": text} for clock, text in TIMELINE])
    services.postmortem_update(
        postmortem=postmortem, summary="45-minute outage due to connection pool exhaustion.",
        root_cause="Application code not using context managers → connections leaked.", users_affected=500,
        revenue_lost=150, applications_missed=25, went_well="Fast detection (5 min), effective containment",
        went_poorly="Should have caught in staging (better load testing needed)")
    for title, owner, due, status in [
            ("Fix connection leaks in user service", "alice", date(2025, 10, 15), "open"),
            ("Add connection pool monitoring alert", "bob", date(2025, 10, 14), "in_progress"),
            ("Increase max_connections to 200", "bob", date(2025, 10, 14), "done"),
            ("Add integration test for connection cleanup", "charlie", date(2025, 10, 16), "open")]:
        services.action_item_create(organization=org, postmortem=postmortem, title=title, owner=people[owner],
                                    due_date=due, status=status)
    return postmortem


def test_export_renders_the_plans_example(org, member_of, plan_postmortem):
    _member, client = member_of(Role.VIEWER)
    response = client.get(f"/api/v1/orgs/{org.slug}/postmortems/{plan_postmortem.pk}/export.md")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response.content.decode() == PLAN_EXAMPLE


def test_export_adds_the_five_whys_and_category_under_root_cause(plan_postmortem):
    category = RootCauseCategory.objects.create(organization=plan_postmortem.organization, name="Code defect")
    postmortem = services.postmortem_update(postmortem=plan_postmortem, root_cause_category=category)
    services.postmortem_whys_set(postmortem=plan_postmortem, whys=[
        {"why": "Why did the API fail", "because": "the pool was exhausted."},
        {"why": "Why was the pool exhausted?", "because": "connections leaked."}])
    text = render.postmortem_markdown(postmortem)
    assert "- Applications missed: ~25\n" in text
    assert ("Application code not using context managers → connections leaked.\n\nCategory: Code defect\n\n"
            "Five whys:\n1. Why did the API fail? Because the pool was exhausted.\n"
            "2. Why was the pool exhausted? Because connections leaked.\n\n## Impact") in text
