import factory

from incidents import services
from incidents.models import Incident, RootCauseCategory, Runbook, Service, Severity
from tests.tenancy.factories import OrganizationFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"service-{n}")
    description = "A thing that breaks."
    owner_team = "Platform"


class SeverityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Severity

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"S{n}")
    label = "Custom"
    rank = 9
    ack_sla = factory.LazyFunction(lambda: __import__("datetime").timedelta(hours=1))


class RootCauseCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RootCauseCategory

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"cause-{n}")


class RunbookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Runbook
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Runbook {n}")
    symptoms = "Alerts fire."
    triage_steps = "Look at the dashboards."
    resolution = "kubectl rollout restart deploy/api"
    escalation = "Secondary on-call, then the engineering manager."

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class IncidentFactory(factory.django.DjangoModelFactory):
    """Goes through ``incident_create`` so numbering, checklists and the timeline are real."""

    class Meta:
        model = Incident

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    severity = "P2"
    service = None
    description = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.incident_create(**kwargs)
