from datetime import UTC, datetime, timedelta

import factory

from oncall import services
from oncall.models import EscalationPolicy, Override, ResponderGroup, Schedule
from tests.tenancy.factories import OrganizationFactory


def local(text: str) -> datetime:
    """A wall-clock (naive) date-time, as layers take them: ``local("2025-03-09T09:00")``."""
    return datetime.fromisoformat(text)


def weekly_layer(participants, start: str = "2025-01-06T09:00", **extra) -> dict:
    """A layer payload for services: participants are users (or ids)."""
    return {"participants": list(participants), "rotation_type": "weekly", "shift_length": 1,
            "rotation_start": local(start), **extra}


class ScheduleFactory(factory.django.DjangoModelFactory):
    """``ScheduleFactory(organization=org, layers=[weekly_layer([...])])`` through the service."""

    class Meta:
        model = Schedule

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Schedule {n}")
    time_zone = "UTC"
    description = ""
    layers = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.schedule_create(**kwargs)


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Override

    start = factory.LazyFunction(lambda: datetime(2025, 1, 7, tzinfo=UTC))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=4))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.override_create(**kwargs)


class ResponderGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponderGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    members = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.responder_group_create(**kwargs)


class EscalationPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationPolicy

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Policy {n}")
    steps = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.escalation_policy_create(**kwargs)
