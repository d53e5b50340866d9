"""What paging reads: step targets, first responders, snapshots; and the demo set-up."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from oncall import selectors
from oncall.models import EscalationPolicy, ResponderGroup, Schedule
from tests.oncall.factories import EscalationPolicyFactory, ResponderGroupFactory, weekly_layer

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 1, 6, 12, tzinfo=UTC)


@pytest.fixture
def policy(org, people, make_schedule):
    ann, ben, cat, dan = people
    primary = make_schedule([weekly_layer([ann, ben], end=datetime.fromisoformat("2025-01-20T09:00"))],
                            name="Primary")
    secondary = make_schedule([weekly_layer([cat])], name="Secondary")
    managers = ResponderGroupFactory(organization=org, name="Engineering manager", members=[dan, cat])
    return EscalationPolicyFactory(organization=org, name="Default", repeat_count=1, steps=[
        {"delay_minutes": 5, "schedules": [primary]},
        {"delay_minutes": 10, "schedules": [secondary], "users": [cat]},
        {"delay_minutes": 15, "groups": [managers]},
    ])


def test_step_targets_resolve_schedules_users_and_groups(policy, people):
    ann, _ben, cat, dan = people
    first, second, third = policy.steps.order_by("position")
    assert selectors.escalation_step_targets(first, MONDAY) == [ann]
    assert selectors.escalation_step_targets(second, MONDAY) == [cat]  # deduplicated
    assert set(selectors.escalation_step_targets(third, MONDAY)) == {cat, dan}


def test_first_responders_skip_a_step_that_resolves_to_nobody(policy, people):
    assert selectors.escalation_policy_first_responders(policy, MONDAY) == [people[0]]
    after_primary_ends = datetime(2025, 2, 1, tzinfo=UTC)
    assert selectors.escalation_policy_first_responders(policy, after_primary_ends) == [people[2]]


def test_snapshot_is_json_safe_and_resolves_like_the_steps(org, policy):
    snapshot = selectors.escalation_policy_snapshot(policy)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["repeat_count"] == 1
    assert [step["delay_minutes"] for step in snapshot["steps"]] == [5, 10, 15]
    for step, step_dict in zip(policy.steps.order_by("position"), snapshot["steps"], strict=True):
        targets = selectors.snapshot_step_targets(organization=org, step_dict=step_dict, at=MONDAY)
        assert targets == selectors.escalation_step_targets(step, MONDAY)


def test_snapshot_step_ignores_ids_of_other_orgs(org, make_org, make_member):
    stranger = make_member(make_org()).user
    stranger_step = {"user_ids": [stranger.pk], "schedule_ids": [], "group_ids": []}
    assert selectors.snapshot_step_targets(organization=org, step_dict=stranger_step, at=MONDAY) == []


def test_seed_demo_builds_the_plans_escalation_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Schedule.objects.filter(organization__slug="demo").count() == 2
    assert set(ResponderGroup.objects.filter(organization__slug="demo").values_list("name", flat=True)) == {
        "Engineering manager", "CTO"}
    policy = EscalationPolicy.objects.get(organization__slug="demo")
    snapshot = selectors.escalation_policy_snapshot(policy)
    assert [bool(s["schedule_ids"]) for s in snapshot["steps"]] == [True, True, False, False]
    names = [
        [user.email.split("@")[0]
         for user in selectors.snapshot_step_targets(organization=policy.organization, step_dict=step, at=MONDAY)]
        for step in snapshot["steps"]
    ]
    assert names == [["alice"], ["bob"], ["erin"], ["frank"]]
