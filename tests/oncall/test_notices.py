"""Handoff notices and gap warnings: from the final schedule, per-user lead time, sent once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from oncall import services, tasks
from oncall.models import OncallNotice
from tenancy.enums import Role
from tests.oncall.factories import EscalationPolicyFactory, local, weekly_layer

pytestmark = pytest.mark.django_db

HANDOFF = datetime(2025, 1, 13, 9, tzinfo=UTC)  # Ann → Ben


def subjects_to(user):
    return [m.subject for m in mail.outbox if user.email in m.to]


def test_incoming_person_is_told_an_hour_before_by_default_and_only_once(org, people, make_schedule):
    make_schedule([weekly_layer(people[:2])], name="Primary")
    with time_machine.travel(HANDOFF - timedelta(hours=2), tick=False):
        tasks.start_handoff_notices()
    assert subjects_to(people[1]) == []
    with time_machine.travel(HANDOFF - timedelta(minutes=55), tick=False):
        tasks.start_handoff_notices()
        tasks.start_handoff_notices()  # a rerun of the beat task sends nothing new
    assert len(subjects_to(people[1])) == 1
    assert "Primary" in subjects_to(people[1])[0]
    assert OncallNotice.objects.filter(user=people[1], kind="shift_starting", at=HANDOFF).count() == 1


def test_lead_time_per_user_the_night_before(org, people, make_schedule):
    make_schedule([weekly_layer(people[:2])])
    services.oncall_preference_update(organization=org, user=people[1], handoff_lead_time=timedelta(hours=14))
    with time_machine.travel(HANDOFF - timedelta(hours=13, minutes=50), tick=False):
        tasks.handoff_notices(org.pk)
    assert len(subjects_to(people[1])) == 1


def test_outgoing_person_is_told_at_the_handoff(org, people, make_schedule):
    make_schedule([weekly_layer(people[:2])], name="Primary")
    with time_machine.travel(HANDOFF + timedelta(minutes=3), tick=False):
        tasks.handoff_notices(org.pk)
        tasks.handoff_notices(org.pk)
    assert subjects_to(people[0]) == ["Your on-call shift for Primary has ended"]


def test_notices_follow_overrides(org, people, make_schedule):
    schedule = make_schedule([weekly_layer(people[:2])])
    services.override_create(schedule=schedule, user=people[2], replaces_user=people[1], start=HANDOFF,
                             end=HANDOFF + timedelta(days=1))
    with time_machine.travel(HANDOFF - timedelta(minutes=30), tick=False):
        tasks.handoff_notices(org.pk)
    assert len(subjects_to(people[2])) == 1
    assert subjects_to(people[1]) == []


def test_daily_gap_warning_to_admins_for_schedules_that_policies_use(org, people, make_member, make_schedule):
    admin = make_member(org, Role.ADMIN).user
    used = make_schedule([weekly_layer(people[:1], end=local("2025-01-10T00:00"))], name="Used")
    make_schedule([weekly_layer(people[:1], end=local("2025-01-10T00:00"))], name="Unused")
    EscalationPolicyFactory(organization=org, steps=[{"schedules": [used]}])
    with time_machine.travel(datetime(2025, 1, 8, 8, tzinfo=UTC), tick=False):
        tasks.start_gap_warnings()
        tasks.start_gap_warnings()
    assert subjects_to(admin) == ["Gaps in the on-call schedule Used in the next 7 days"]
    assert subjects_to(people[0]) == []
