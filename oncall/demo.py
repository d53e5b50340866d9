"""The plan's on-call set-up for the demo org: primary and secondary weekly rotations, the
"Engineering manager" and "CTO" responder groups, and the default escalation policy
primary → secondary → engineering manager → CTO. Idempotent."""

from datetime import datetime

from oncall import services
from oncall.models import EscalationPolicy, ResponderGroup, Schedule
from tenancy.models import Organization, User

PEOPLE = {
    "alice": "alice@demo.foghorn.test",
    "bob": "bob@demo.foghorn.test",
    "carol": "carol@demo.foghorn.test",
    "erin": "erin@demo.foghorn.test",
    "frank": "frank@demo.foghorn.test",
}
ROTATION_START = datetime.fromisoformat("2025-01-06T09:00:00")  # a Monday, 09:00 local
POLICY_NAME = "Default"  # incidents.demo finds it by this name


def _people(organization: Organization) -> dict[str, User]:
    users = User.objects.filter(email__in=PEOPLE.values(), memberships__organization=organization)
    by_email = {user.email: user for user in users}
    return {key: by_email[email] for key, email in PEOPLE.items() if email in by_email}


def _schedule(organization: Organization, name: str, participants: list[User]) -> Schedule:
    existing = Schedule.objects.filter(organization=organization, name=name).first()
    if existing is not None:
        return existing
    layers = [{"name": "Weekly", "participants": participants, "rotation_type": "weekly", "shift_length": 1,
               "rotation_start": ROTATION_START}] if participants else []
    return services.schedule_create(organization=organization, name=name, time_zone=organization.time_zone,
                                    description="Weekly rotation, handoff Monday 09:00.", layers=layers)


def _group(organization: Organization, name: str, members: list[User]) -> ResponderGroup:
    existing = ResponderGroup.objects.filter(organization=organization, name=name).first()
    return existing or services.responder_group_create(organization=organization, name=name, members=members)


def seed(organization: Organization) -> None:
    people = _people(organization)
    rotation = [people[key] for key in ("alice", "bob", "carol") if key in people]
    primary = _schedule(organization, "Primary on-call", rotation)
    secondary = _schedule(organization, "Secondary on-call", rotation[1:] + rotation[:1])
    manager = _group(organization, "Engineering manager", [people["erin"]] if "erin" in people else [])
    cto = _group(organization, "CTO", [people["frank"]] if "frank" in people else [])
    if not EscalationPolicy.objects.filter(organization=organization, name=POLICY_NAME).exists():
        services.escalation_policy_create(
            organization=organization, name=POLICY_NAME, repeat_count=1, is_default=True,
            description="From the incident response plan: primary → secondary → engineering manager → CTO.",
            steps=[
                {"delay_minutes": 15, "schedules": [primary]},
                {"delay_minutes": 15, "schedules": [secondary]},
                {"delay_minutes": 15, "groups": [manager]},
                {"delay_minutes": 15, "groups": [cto]},
            ],
        )
