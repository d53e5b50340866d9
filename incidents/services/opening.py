"""The writes that open an incident, as one statement on PostgreSQL (``incidents.sql``).

The org's counter row (``IncidentSequence``) is locked from the moment a number is taken until
the transaction ends, so every creation in an organization waits for the one before it to
commit. What runs while that lock is held limits how many incidents one org can open a second
(an alert storm of new keys): it was five ORM round trips (counter, incident, checklists,
commander, timeline event) and their Python. Here the counter upsert is the first part of a
single statement (data-modifying CTEs) that writes them all, issued after every read the
creation needs (severity, commander), so the lock is held for one round trip and the commit.
Numbers stay consecutive: the counter moves only with the transaction that uses the number.

On another database (the run command's SQLite) the ORM writes the same rows, one query each."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router

from incidents import events, sql
from incidents.defaults import CHECKLIST_TEMPLATES
from incidents.enums import ParticipantRole, TimelineKind
from incidents.models import ChecklistItem, Incident, IncidentSequence, Participant
from incidents.services.common import timeline_event_record
from tenancy.models import User

NUMBER_PLACEHOLDER = sql.NUMBER_PLACEHOLDER


@dataclass(frozen=True)
class Opening:
    """An incident about to be written (all but its number and war-room link set) and what
    goes with it. ``war_room_template``: the link with its other placeholders filled ("" for
    none); ``event_payload``: the ``incident_created`` event's, written ``at`` by ``actor``."""

    incident: Incident
    war_room_template: str
    actor: User | None
    at: datetime
    event_payload: dict


def incident_insert(opening: Opening) -> Incident:
    """Take the org's next number and write the incident, its checklists, its commander's
    participation and its ``incident_created`` event (handed to the outbox on commit). Returns
    the incident saved; the caller's transaction holds the org's counter row until it ends."""
    alias = router.db_for_write(Incident)
    if not sql.is_postgresql(alias):
        return _insert_orm(opening)
    connection = connections[alias]
    incident = opening.incident
    values = [field.get_db_prep_save(field.pre_save(incident, add=True), connection) for field in sql.incident_fields()]
    checklists, keys, labels, positions = (list(column) for column in zip(*_checklist_rows(), strict=True))
    payload = json.dumps(opening.event_payload, cls=DjangoJSONEncoder)
    params = [incident.organization_id, *values, opening.war_room_template, checklists, keys, labels, positions,
              opening.at, incident.commander_id, opening.actor.pk if opening.actor else None, payload, opening.at]
    with connection.cursor() as cursor:
        cursor.execute(sql.incident_insert_sql(alias), params)
        incident.pk, incident.number, event_id = cursor.fetchone()
    incident.war_room_url = _war_room_url(opening.war_room_template, incident.number)
    incident._state.adding, incident._state.db = False, alias
    events.enqueue_written_on_commit(TimelineKind.INCIDENT_CREATED, event_id)
    return incident


def _checklist_rows() -> list[tuple[str, str, str, int]]:
    return [(checklist, key, label, position) for checklist, items in CHECKLIST_TEMPLATES.items()
            for position, (key, label) in enumerate(items)]


def _war_room_url(template: str, number: int) -> str:
    return template.replace(NUMBER_PLACEHOLDER, str(number))


def _next_number(organization_id: int) -> int:
    alias = router.db_for_write(IncidentSequence)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql.next_number_sql(alias), [organization_id])
        (number,) = cursor.fetchone()
    return number


def _insert_orm(opening: Opening) -> Incident:
    incident = opening.incident
    incident.number = _next_number(incident.organization_id)
    incident.war_room_url = _war_room_url(opening.war_room_template, incident.number)
    incident.save(force_insert=True)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(organization_id=incident.organization_id, incident=incident, checklist=checklist, key=key,
                      label=label, position=position)
        for checklist, key, label, position in _checklist_rows())
    if incident.commander_id is not None:
        Participant.objects.create(organization_id=incident.organization_id, incident=incident,
                                   user_id=incident.commander_id, role=ParticipantRole.COMMANDER, added_at=opening.at)
    timeline_event_record(incident=incident, kind=TimelineKind.INCIDENT_CREATED, actor=opening.actor, at=opening.at,
                          payload=opening.event_payload)
    return incident
