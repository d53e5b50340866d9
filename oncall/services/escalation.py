"""Escalation policies with their ordered steps, and responder groups ("Engineering manager",
"CTO") that steps page. Running pages keep the policy snapshot they started with, so an edit
never changes a page already under way."""

from django.db import transaction

from oncall.models import EscalationPolicy, EscalationStep, ResponderGroup
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User
from tenancy.writes import model_update

POLICY_FIELDS = ("name", "repeat_count", "description", "repeat_from_position", "is_default")


def policy_names(policies) -> str:
    return ", ".join(f"'{policy.name}'" for policy in policies)


def _steps_replace(*, policy: EscalationPolicy, steps: list[dict]) -> None:
    EscalationStep.objects.filter(policy=policy).delete()
    for position, data in enumerate(steps, start=1):
        step = EscalationStep.objects.create(organization_id=policy.organization_id, policy=policy, position=position,
                                             delay_minutes=data.get("delay_minutes", 15))
        step.users.set(data.get("users") or [])
        step.schedules.set(data.get("schedules") or [])
        step.groups.set(data.get("groups") or [])


def _check_repeat_from(policy: EscalationPolicy) -> None:
    """The repeat step must exist (raised inside the caller's transaction, so nothing is half-written)."""
    step_count = EscalationStep.objects.filter(policy=policy).count()
    if step_count and policy.repeat_from_position > step_count:
        raise ApplicationError("The repeat step does not exist.",
                               {"repeat_from_position": [f"This policy has {step_count} step(s)."]})


def _take_default(policy: EscalationPolicy) -> None:
    """Make ``policy`` the org's default: the previous default (locked) stops being it."""
    others = EscalationPolicy.objects.select_for_update().filter(organization_id=policy.organization_id,
                                                                 is_default=True)
    if policy.pk:
        others = others.exclude(pk=policy.pk)
    others.update(is_default=False)


@transaction.atomic
def escalation_policy_create(*, organization: Organization, name: str, steps: list[dict], repeat_count: int = 0,
                             description: str = "", repeat_from_position: int = 1,
                             is_default: bool = False) -> EscalationPolicy:
    """A policy with its steps in order (``steps``: dicts of delay_minutes, users, schedules, groups).
    ``is_default``: it pages incidents without a service or whose service has no policy (it takes
    over from the previous default)."""
    policy = EscalationPolicy(organization=organization, name=name, repeat_count=repeat_count,
                              description=description, repeat_from_position=repeat_from_position,
                              is_default=is_default)
    if is_default:
        _take_default(policy)
    policy.full_clean()
    policy.save()
    _steps_replace(policy=policy, steps=steps)
    _check_repeat_from(policy)
    return policy


@transaction.atomic
def escalation_policy_update(*, policy: EscalationPolicy, steps: list[dict] | None = None,
                             **fields) -> EscalationPolicy:
    """Update fields; ``steps`` (when given) replaces the ordered steps. The row is locked so two
    editors do not interleave step lists. Running pages keep their snapshot."""
    policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    if fields.get("is_default"):
        _take_default(policy)
    model_update(instance=policy, fields=POLICY_FIELDS, data=fields)
    if steps is not None:
        _steps_replace(policy=policy, steps=steps)
    _check_repeat_from(policy)
    return policy


@transaction.atomic
def escalation_policy_delete(*, policy: EscalationPolicy) -> None:
    """Services that page through it keep running without a policy (their FK is set null)."""
    policy.delete()


def _check_group_name(organization_id: int, name: str, exclude_pk: int | None = None) -> None:
    others = ResponderGroup.objects.filter(organization_id=organization_id, name=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ApplicationError("A group with this name exists.", {"name": ["A group with this name exists."]})


@transaction.atomic
def responder_group_create(*, organization: Organization, name: str, members: list[User],
                           description: str = "") -> ResponderGroup:
    _check_group_name(organization.pk, name)
    group = ResponderGroup.objects.create(organization=organization, name=name, description=description)
    group.members.set(members)
    return group


@transaction.atomic
def responder_group_update(*, group: ResponderGroup, members: list[User] | None = None, **fields) -> ResponderGroup:
    if "name" in fields:
        _check_group_name(group.organization_id, fields["name"], exclude_pk=group.pk)
    data = {**fields, **({"members": members} if members is not None else {})}
    model_update(instance=group, fields=("name", "description", "members"), data=data)
    return group


@transaction.atomic
def responder_group_delete(*, group: ResponderGroup) -> None:
    """Refused while an escalation policy pages the group (the step would silently page nobody)."""
    policies = list(EscalationPolicy.objects.filter(steps__groups=group).distinct())
    if policies:
        raise ApplicationError(
            f"Cannot delete group '{group.name}': it is used by the escalation policy {policy_names(policies)}.",
            {"group": [f"Used by escalation policy {policy_names(policies)}."]},
        )
    group.delete()
