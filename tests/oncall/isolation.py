from datetime import UTC, datetime

from oncall import services
from oncall.models import OncallPreference
from tenancy.enums import Role
from tests.isolation import IsolationCase
from tests.oncall.factories import EscalationPolicyFactory, OverrideFactory, ResponderGroupFactory, ScheduleFactory
from tests.oncall.factories import weekly_layer as layer
from tests.tenancy.factories import MembershipFactory, UserFactory


def member(org, marker=""):
    return MembershipFactory(organization=org, role=Role.RESPONDER, user=UserFactory(name=marker or "Someone")).user


def make_schedule(org, marker):
    return ScheduleFactory(organization=org, name=marker, description=marker, layers=[layer([member(org, marker)])])


def make_override(org, marker):
    schedule = make_schedule(org, marker)
    return OverrideFactory(schedule=schedule, user=member(org, marker), note=marker)


def make_group(org, marker):
    return ResponderGroupFactory(organization=org, name=marker, members=[member(org, marker)])


def make_policy(org, marker):
    schedule = make_schedule(org, marker)
    return EscalationPolicyFactory(organization=org, name=marker, steps=[{"schedules": [schedule]}])


def make_personal_feed(org, marker):
    user = member(org, marker)
    feed, _secret = services.ical_feed_rotate(organization=org, created_by=user, user=user)
    return feed


def make_preference(org, marker):
    return OncallPreference.objects.create(organization=org, user=member(org, marker))


def schedule_payload(schedule, _org_b):
    participant = schedule.layers.first().versions.first().participants[0]
    return {"name": "stolen", "time_zone": "UTC", "layers": [
        {"participants": [participant], "rotation_type": "daily", "rotation_start": "2025-01-01T09:00:00"}]}


def policy_payload(policy, _org_b):
    schedule = policy.steps.first().schedules.first()
    return {"name": "stolen", "steps": [{"delay_minutes": 5, "schedules": [schedule.pk]}]}


def group_payload(group, _org_b):
    return {"name": "stolen", "members": [group.members.first().pk]}


CASES = [
    IsolationCase(
        url_names=("schedules-list", "schedules-detail", "schedules-oncall", "schedules-shifts", "schedules-gaps",
                   "schedules-ical-feed", "oncall-now"),
        make=make_schedule,
        create_payload=schedule_payload,
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("schedule-overrides-list", "schedule-overrides-detail"),
        make=make_override,
        url_kwargs=lambda override: {"schedule_pk": override.schedule_id, "pk": override.pk},
        body={"start": datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
              "end": datetime(2025, 1, 2, tzinfo=UTC).isoformat()},
    ),
    IsolationCase(
        url_names=("escalation-policies-list", "escalation-policies-detail"),
        make=make_policy,
        create_payload=policy_payload,
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("responder-groups-list", "responder-groups-detail"),
        make=make_group,
        create_payload=group_payload,
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("my-ical-feed",),
        make=make_personal_feed,
        # The caller's own feed: nothing in the body to point at org A.
        creates_without_foreign_keys=True,
    ),
    IsolationCase(
        url_names=("oncall-preferences",),
        make=make_preference,
        creates_without_foreign_keys=True,
        body={"handoff_lead_time": "02:00:00"},
    ),
]


