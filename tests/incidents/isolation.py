from datetime import timedelta

from incidents import services
from incidents.models import Severity
from tests.incidents.factories import RootCauseCategoryFactory, RunbookFactory, ServiceFactory
from tests.isolation import IsolationCase
from tests.oncall.factories import EscalationPolicyFactory


def make_severity(org, marker):
    return Severity.objects.create(organization=org, name="PX", label=marker, rank=7, ack_sla=timedelta(hours=2))


def make_service(org, marker):
    return ServiceFactory(organization=org, name=marker, escalation_policy=EscalationPolicyFactory(organization=org))


def make_category(org, marker):
    return RootCauseCategoryFactory(organization=org, name=marker)


def make_runbook(org, marker):
    return RunbookFactory(organization=org, title=marker, services=[ServiceFactory(organization=org)])


def make_incident(org, marker):
    service = ServiceFactory(organization=org, name=f"{marker} service")
    incident = services.incident_create(organization=org, title=marker, severity="P1", service=service,
                                        description=marker)
    services.incident_note_add(incident=incident, text=marker)
    return incident


INCIDENT_ROUTES = (
    "incidents-list", "incidents-detail", "incidents-acknowledge", "incidents-transition", "incidents-resolve",
    "incidents-notes", "incidents-actions", "incidents-participants", "incidents-checklist", "incidents-timeline",
)

CASES = [
    IsolationCase(
        url_names=("severities-list", "severities-detail"),
        make=make_severity,
        creates_without_foreign_keys=True,
        body={"name": "PZ", "label": "stolen", "ack_sla": "01:00:00"},
    ),
    IsolationCase(
        url_names=("services-list", "services-detail"),
        make=make_service,
        create_payload=lambda obj, org_b: {"name": "Stolen", "escalation_policy": obj.escalation_policy_id},
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("root-cause-categories-list", "root-cause-categories-detail"),
        make=make_category,
        creates_without_foreign_keys=True,
        body={"name": "stolen"},
    ),
    IsolationCase(
        url_names=("runbooks-list", "runbooks-detail"),
        make=make_runbook,
        create_payload=lambda obj, org_b: {"title": "Stolen", "services": [obj.services.first().pk]},
        body={"title": "stolen"},
    ),
    IsolationCase(
        url_names=INCIDENT_ROUTES,
        make=make_incident,
        url_kwargs=lambda obj: {"number": obj.number},
        create_payload=lambda obj, org_b: {"title": "Stolen", "severity": "P1", "service": obj.service_id},
        body={"status": "investigating", "note": "stolen", "text": "stolen", "kind": "rollback",
              "description": "stolen", "override_reason": "stolen", "items": [{"key": "health_checks", "done": True}],
              "title": "stolen"},
    ),
]
