"""The writes that open an incident, as one statement on PostgreSQL (``incidents.sql``).

The org's counter row (``IncidentSequence``) is locked from the moment a number is taken until
the transaction ends, so every creation in an organization waits for the one before it to
commit. What runs while that lock is held limits how many incidents one org can open a second
(an alert storm of new keys): it was five ORM round trips (counter, incident, checklists,
commander, timeline event) and their Python. Here the counter upsert is the first part of a
single statement (data-modifying CTEs) that writes them all, issued after every read the
creation needs (severity, commander), so the lock is held for one round trip and the commit.
Numbers stay consecutive: the counter moves only with the transaction that uses the number.
``incident_insert_for_alert`` goes one step further for ingestion's new keys: the same statement
with the alert and the slot, run as its own transaction, so no client round trip at all happens
while the counter is locked.

On another database (the run command's SQLite) the ORM writes the same rows, one query each."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import Model

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
    with connections[alias].cursor() as cursor:
        cursor.execute(sql.incident_insert_sql(alias), _opening_params(opening, alias))
        incident_id, number, event_id = cursor.fetchone()
    incident = _written(opening, alias, incident_id, number)
    events.enqueue_written_on_commit(TimelineKind.INCIDENT_CREATED, event_id)
    return incident


def incident_insert_for_alert(opening: Opening, *, alert_model: type[Model], slot_model: type[Model],
                              dedup_key: str, alert_values: dict, alert_payload: dict) -> tuple[Incident, int] | None:
    """Open the incident of a new (service, ``dedup_key``) slot together with its first alert
    (``alert_values``: the alert's fields but the incident) and that alert's ``alert_received``
    event, in one statement that is its own transaction (``sql.incident_for_alert_sql``): the org's
    counter row is locked only while the server runs and commits it. Returns (the incident, the
    alert's id), or None — nothing written — when the slot already names an incident, when a
    transaction is open (its other writes would hold the counter) or off PostgreSQL: the caller
    then takes its transactional path."""
    alias = router.db_for_write(Incident)
    connection = connections[alias]
    if not sql.is_postgresql(alias) or connection.in_atomic_block:
        return None
    opening.incident.alert_count = 1
    params = {**_opening_params(opening, alias), "service_id": opening.incident.service_id, "dedup_key": dedup_key,
              "alert_payload": json.dumps(alert_payload, cls=DjangoJSONEncoder),
              **{f"alert_{name}": value for name, value in sql.json_params(alert_model, alert_values).items()}}
    with connection.cursor() as cursor:
        cursor.execute(sql.incident_for_alert_sql(alias, alert_model, slot_model, tuple(alert_values)), params)
        row = cursor.fetchone()
    if row is None:
        return None
    incident_id, number, event_id, alert_id, alert_event_id = row
    incident = _written(opening, alias, incident_id, number)
    events.enqueue_written_on_commit(TimelineKind.INCIDENT_CREATED, event_id)
    events.enqueue_written_on_commit(TimelineKind.ALERT_RECEIVED, alert_event_id)
    return incident, alert_id


def _opening_params(opening: Opening, alias: str) -> dict:
    connection = connections[alias]
    incident = opening.incident
    checklists, keys, labels, positions = (list(column) for column in zip(*_checklist_rows(), strict=True))
    return {
        **{f"incident_{field.attname}": field.get_db_prep_save(field.pre_save(incident, add=True), connection)
           for field in sql.incident_fields()},
        "organization_id": incident.organization_id, "war_room_template": opening.war_room_template,
        "checklists": checklists, "keys": keys, "labels": labels, "positions": positions, "at": opening.at,
        "commander_id": incident.commander_id, "actor_id": opening.actor.pk if opening.actor else None,
        "payload": json.dumps(opening.event_payload, cls=DjangoJSONEncoder),
    }


def _written(opening: Opening, alias: str, incident_id: int, number: int) -> Incident:
    incident = opening.incident
    incident.pk, incident.number = incident_id, number
    incident.war_room_url = _war_room_url(opening.war_room_template, number)
    incident._state.adding, incident._state.db = False, alias
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
