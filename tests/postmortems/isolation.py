from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Runbook
from postmortems import services
from tenancy.enums import Role
from tests.isolation import IsolationCase
from tests.tenancy.factories import MembershipFactory, UserFactory


def _member(org, marker=""):
    return MembershipFactory(organization=org, role=Role.RESPONDER, user=UserFactory(name=marker)).user


def make_postmortem(org, marker):
    incident = incident_services.incident_create(organization=org, title=marker, severity="P2")
    postmortem = services.postmortem_open(incident=incident)
    return services.postmortem_update(postmortem=postmortem, summary=marker)


def make_item(org, marker):
    return services.action_item_create(organization=org, postmortem=make_postmortem(org, marker), title=marker,
                                       owner=_member(org, marker))


def make_drill(org, marker):
    runbook = Runbook.objects.create(organization=org, title=marker)
    return services.drill_create(organization=org, title=marker, runbook=runbook, scheduled_at=timezone.now(),
                                 facilitator=_member(org, marker))


def make_record(org, marker):
    return services.training_record_create(organization=org, user=_member(org, marker), course=marker,
                                           completed_at=timezone.now())


def make_history(org, marker):
    incident = incident_services.incident_create(organization=org, title=marker, severity="P0")
    _member(org, marker)
    return incident_services.incident_resolve(incident=incident, override_reason=marker)


CASES = [
    IsolationCase(
        url_names=("postmortems-list", "postmortems-detail", "postmortems-timeline", "postmortems-whys",
                   "postmortems-schedule", "postmortems-waive", "postmortems-export"),
        make=make_postmortem,
        create_payload=lambda obj, org_b: {"incident": obj.incident.number},
        body={"summary": "stolen", "reason": "stolen", "meeting_at": "2030-01-01T10:00:00Z",
              "whys": [{"why": "a", "because": "b"}], "entries": [], "at": "2030-01-01T10:00:00Z", "text": "x"},
    ),
    IsolationCase(
        url_names=("action-items-list", "action-items-detail", "action-items-overdue-by-owner"),
        make=make_item,
        create_payload=lambda obj, org_b: {"postmortem": obj.postmortem_id, "title": "x"},
        body={"status": "done"},
    ),
    IsolationCase(
        url_names=("drills-list", "drills-detail", "drills-run", "drills-complete"),
        make=make_drill,
        create_payload=lambda obj, org_b: {"title": "x", "runbook": obj.runbook_id,
                                           "scheduled_at": "2030-01-01T10:00:00Z"},
        body={"title": "stolen"},
    ),
    IsolationCase(
        url_names=("training-records-list", "training-records-detail"),
        make=make_record,
        create_payload=lambda obj, org_b: {"user": obj.user_id, "course": "x", "completed_at": "2030-01-01T10:00:00Z"},
        body={"course": "stolen"},
    ),
    IsolationCase(
        url_names=("metrics", "metrics-monthly-review", "readiness"),
        make=make_history,
    ),
]
