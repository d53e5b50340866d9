"""Drills (tabletop exercises) and training records."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.enums import ParticipantRole
from incidents.models import Runbook, Service
from postmortems.enums import DrillStatus
from postmortems.models import Drill, TrainingRecord
from postmortems.services.common import require_member, require_same_org, unknown_fields
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import Organization, User

DRILL_EDITABLE = {"page_people", "title", "runbook", "scenario", "severity_name", "service", "scheduled_at",
                  "facilitator", "participants", "outcome_notes", "findings", "status"}
TRAINING_EDITABLE = {"user", "course", "completed_at", "expires_at", "evidence_url"}
# Taking part in a drill counts as training for this long.
DRILL_TRAINING_VALID = timedelta(days=365)


def _check_drill(organization_id: int, fields: dict) -> None:
    require_same_org(organization_id, fields.get("runbook"), "runbook")
    require_same_org(organization_id, fields.get("service"), "service")
    require_member(organization_id, fields.get("facilitator"), "facilitator")
    for user in fields.get("participants") or []:
        require_member(organization_id, user, "participants")
    if "title" in fields and not (fields["title"] or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    if fields.get("status") not in (None, DrillStatus.SCHEDULED, DrillStatus.CANCELLED):
        raise ApplicationError("Run or complete a drill through its actions.",
                               {"status": ["Only scheduled or cancelled here; use run/ and complete/."]})


@transaction.atomic
def drill_create(*, organization: Organization, title: str, scheduled_at: datetime, runbook: Runbook | None = None,
                 scenario: str = "", severity_name: str = "P1", service: Service | None = None,
                 facilitator: User | None = None, participants=(), page_people: bool = False) -> Drill:
    fields = {"title": title, "runbook": runbook, "service": service, "facilitator": facilitator,
              "participants": participants}
    _check_drill(organization.pk, fields)
    if not scenario.strip() and runbook is None:
        raise ApplicationError("A scenario: a runbook or free text.", {"scenario": ["Give a runbook or a text."]})
    drill = Drill.objects.create(organization=organization, title=title.strip(), runbook=runbook, scenario=scenario,
                                 severity_name=severity_name, service=service, scheduled_at=scheduled_at,
                                 facilitator=facilitator, page_people=bool(page_people))
    drill.participants.set(participants)
    return drill


@transaction.atomic
def drill_update(*, drill: Drill, **changes) -> Drill:
    unknown_fields(changes, DRILL_EDITABLE)
    _check_drill(drill.organization_id, changes)
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    participants = changes.pop("participants", None)
    for name, value in changes.items():
        setattr(drill, name, value)
    drill.save()
    if participants is not None:
        drill.participants.set(participants)
    return drill


def _scenario_text(drill: Drill) -> str:
    if drill.scenario.strip():
        return drill.scenario
    runbook = drill.runbook
    return f"Runbook: {runbook.title}\n\nSymptoms: {runbook.symptoms}" if runbook else ""


@transaction.atomic
def drill_run(*, drill: Drill, actor: User | None = None) -> Drill:
    """Start the drill: a real incident flagged ``is_drill`` (titled [DRILL] so every message says so),
    commanded by the facilitator, with the participants in its war room. It pages people only when the
    drill asks (``page_people``): then comms pages it like any incident, after this commit."""
    drill = (Drill.objects.select_for_update(of=("self",)).select_related("organization", "service", "runbook")
             .get(pk=drill.pk))
    if drill.status != DrillStatus.SCHEDULED:
        raise ConflictError(f"The drill is {drill.status}; only a scheduled drill runs.",
                            {"status": ["Only a scheduled drill runs."]})
    incident = incident_services.incident_create(
        organization=drill.organization, title=f"[DRILL] {drill.title}", severity=drill.severity_name,
        service=drill.service, description=_scenario_text(drill), actor=actor, is_drill=True, source="drill")
    if drill.page_people:
        incident = incident_services.incident_drill_paging_enable(incident=incident, actor=actor)
    if drill.facilitator_id:
        incident = incident_services.incident_assign_commander(incident=incident, commander=drill.facilitator,
                                                               actor=actor)
    for user in drill.participants.all():
        if user.pk != drill.facilitator_id:
            incident_services.participant_add(incident=incident, user=user, role=ParticipantRole.ENGINEER, actor=actor)
    drill.incident, drill.status, drill.started_at = incident, DrillStatus.RUNNING, timezone.now()
    drill.save()
    return drill


@transaction.atomic
def drill_complete(*, drill: Drill, outcome_notes: str = "", findings: str = "") -> Drill:
    """Close the exercise with its outcome; everyone who took part gets a training record (once)."""
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if drill.status not in (DrillStatus.SCHEDULED, DrillStatus.RUNNING):
        raise ConflictError(f"The drill is already {drill.status}.", {"status": [f"Already {drill.status}."]})
    now = timezone.now()
    drill.status, drill.completed_at = DrillStatus.COMPLETED, now
    drill.outcome_notes = outcome_notes or drill.outcome_notes
    drill.findings = findings or drill.findings
    drill.save()
    people = {user.pk: user for user in drill.participants.all()}
    if drill.facilitator_id:
        people.setdefault(drill.facilitator_id, drill.facilitator)
    for user in people.values():
        TrainingRecord.objects.get_or_create(drill=drill, user=user, defaults={
            "organization_id": drill.organization_id, "course": f"Incident response drill: {drill.title}",
            "completed_at": now, "expires_at": now + DRILL_TRAINING_VALID})
    return drill


def _check_training(organization_id: int, fields: dict) -> None:
    require_member(organization_id, fields.get("user"), "user")
    if "course" in fields and not (fields["course"] or "").strip():
        raise ApplicationError("A course or topic is required.", {"course": ["This field may not be blank."]})
    completed, expires = fields.get("completed_at"), fields.get("expires_at")
    if completed and expires and expires <= completed:
        raise ApplicationError("It expires after it was completed.", {"expires_at": ["Must be after completed_at."]})


@transaction.atomic
def training_record_create(*, organization: Organization, user: User, course: str, completed_at: datetime,
                           expires_at: datetime | None = None, evidence_url: str = "") -> TrainingRecord:
    _check_training(organization.pk, {"user": user, "course": course, "completed_at": completed_at,
                                      "expires_at": expires_at})
    return TrainingRecord.objects.create(organization=organization, user=user, course=course.strip(),
                                         completed_at=completed_at, expires_at=expires_at, evidence_url=evidence_url)


@transaction.atomic
def training_record_update(*, record: TrainingRecord, **changes) -> TrainingRecord:
    unknown_fields(changes, TRAINING_EDITABLE)
    record = TrainingRecord.objects.select_for_update().get(pk=record.pk)
    _check_training(record.organization_id, {"completed_at": record.completed_at, "expires_at": record.expires_at,
                                             **changes})
    for name, value in changes.items():
        setattr(record, name, value)
    record.save()
    return record


@transaction.atomic
def object_delete(*, obj) -> None:
    """Remove a drill not yet run or a training record."""
    if isinstance(obj, Drill) and obj.status == DrillStatus.RUNNING:
        raise ConflictError("A running drill is completed, not deleted.", {"status": ["The drill is running."]})
    obj.delete()
