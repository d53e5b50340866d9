"""A person removed from the organization leaves its on-call from that moment: history stays."""

from datetime import UTC, datetime

import pytest
import time_machine

from oncall import selectors, services
from oncall.models import EscalationStep, ResponderGroup
from tenancy.enums import Role

pytestmark = pytest.mark.django_db
MONDAY = "2025-01-06T09:00:00"


def weekly(people):
    return {"name": "Weekly", "participants": [p.pk for p in people], "rotation_type": "weekly", "shift_length": 1,
            "rotation_start": datetime.fromisoformat(MONDAY)}


def test_removing_the_on_call_member_hands_over_at_once_and_keeps_history(org, people, make_schedule, member_of):
    ann, ben, cat = people[:3]
    schedule = make_schedule([weekly([ann, ben, cat])])
    group = services.responder_group_create(organization=org, name="CTO", members=[ann, ben])
    policy = services.escalation_policy_create(organization=org, name="Default",
                                               steps=[{"users": [ann], "schedules": [schedule], "groups": [group]}])
    _admin, client = member_of(Role.ADMIN)
    during_ann = datetime(2025, 1, 8, 12, tzinfo=UTC)
    last_week = datetime(2025, 1, 1, 12, tzinfo=UTC)
    history_before = [(p.user.pk, p.start, p.end) for p in selectors.shifts(schedule, last_week, during_ann)]

    with time_machine.travel(during_ann, tick=False):
        membership = ann.memberships.get(organization=org)
        assert client.delete(f"/api/v1/orgs/{org.slug}/members/{membership.pk}/").status_code == 204

    assert [u.pk for u in selectors.who_is_on_call(schedule, during_ann)] == [ben.pk]
    assert [(p.user.pk, p.start, p.end) for p in selectors.shifts(schedule, last_week, during_ann)] == history_before
    later = selectors.shifts(schedule, during_ann, datetime(2025, 3, 1, tzinfo=UTC))
    assert ann.pk not in {piece.user.pk for piece in later}
    step = EscalationStep.objects.get(policy=policy)
    assert list(step.users.all()) == []
    assert list(ResponderGroup.objects.get(pk=group.pk).members.all()) == [ben]


def test_a_layer_left_with_nobody_ends(org, people, make_schedule, member_of):
    ann = people[0]
    schedule = make_schedule([weekly([ann])])
    _admin, client = member_of(Role.ADMIN)
    at = datetime(2025, 2, 3, 12, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        membership = ann.memberships.get(organization=org)
        assert client.delete(f"/api/v1/orgs/{org.slug}/members/{membership.pk}/").status_code == 204
    assert selectors.who_is_on_call(schedule, at) == []
    assert [u.pk for u in selectors.who_is_on_call(schedule, datetime(2025, 2, 1, tzinfo=UTC))] == [ann.pk]
