"""The writes that open an incident, as one statement on PostgreSQL.

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
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router

from incidents import events
from incidents.defaults import CHECKLIST_TEMPLATES
from incidents.enums import ParticipantRole, TimelineKind
from incidents.models import ChecklistItem, Incident, IncidentSequence, Participant, TimelineEvent
from incidents.services.common import timeline_event_record
from incidents.sql import typed_parameter
from tenancy.models import User

NUMBER_PLACEHOLDER = "{number}"
# Filled in by the statement from the counter, not sent as parameters.
NUMBERED_FIELDS = ("number", "war_room_url")


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
    if connections[alias].vendor != "postgresql":
        return _insert_orm(opening)
    connection = connections[alias]
    incident = opening.incident
    values = [field.get_db_prep_save(field.pre_save(incident, add=True), connection) for field in _incident_fields()]
    checklists, keys, labels, positions = (list(column) for column in zip(*_checklist_rows(), strict=True))
    payload = json.dumps(opening.event_payload, cls=DjangoJSONEncoder)
    params = [incident.organization_id, *values, opening.war_room_template, checklists, keys, labels, positions,
              ParticipantRole.COMMANDER, opening.at, incident.commander_id,
              TimelineKind.INCIDENT_CREATED, opening.actor.pk if opening.actor else None, payload, opening.at]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(alias), params)
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


@cache
def _incident_fields() -> tuple:
    return tuple(field for field in Incident._meta.concrete_fields
                 if not field.primary_key and field.name not in NUMBERED_FIELDS)


@cache
def _insert_sql(alias: str) -> str:
    """Counter, incident, checklist items (one row per template entry, from arrays), the
    commander's participation (no row when there is none) and the timeline event, in that order,
    in one statement returning (incident id, number, event id)."""
    connection = connections[alias]
    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    fields = _incident_fields()
    incident_columns = ", ".join(quote(field.column) for field in fields)
    incident_values = ", ".join(typed_parameter(connection, field) for field in fields)
    numbered = ", ".join(column(Incident, name) for name in NUMBERED_FIELDS)
    item_columns = ", ".join(column(ChecklistItem, name) for name in (
        "organization", "incident", "checklist", "key", "label", "position", "done", "automatic"))
    participant_columns = ", ".join(column(Participant, name) for name in (
        "organization", "incident", "user", "role", "added_at"))
    event_columns = ", ".join(column(TimelineEvent, name) for name in (
        "organization", "incident", "kind", "actor", "payload", "at"))
    incident_id, incident_org = column(Incident, "id"), column(Incident, "organization")
    return (
        f"WITH counter AS ({_next_number_sql(alias)}), "  # noqa: S608
        f"incident AS (INSERT INTO {table(Incident)} ({incident_columns}, {numbered}) "
        f"SELECT {incident_values}, counter.number, replace(%s::text, '{NUMBER_PLACEHOLDER}', counter.number::text) "
        f"FROM counter RETURNING {incident_id} AS id, {incident_org} AS organization_id, "
        f"{column(Incident, 'number')} AS number), "
        f"items AS (INSERT INTO {table(ChecklistItem)} ({item_columns}) "
        f"SELECT incident.organization_id, incident.id, item.checklist, item.key, item.label, item.position, "
        f"false, false FROM incident, unnest(%s::text[], %s::text[], %s::text[], %s::int[]) "
        f"AS item(checklist, key, label, position)), "
        f"commander AS (INSERT INTO {table(Participant)} ({participant_columns}) "
        f"SELECT incident.organization_id, incident.id, commander.id, %s::text, %s::timestamptz "
        f"FROM incident, (SELECT %s::bigint AS id) commander WHERE commander.id IS NOT NULL), "
        f"event AS (INSERT INTO {table(TimelineEvent)} ({event_columns}) "
        f"SELECT incident.organization_id, incident.id, %s::text, %s::bigint, %s::jsonb, %s::timestamptz "
        f"FROM incident RETURNING {column(TimelineEvent, 'id')} AS id) "
        f"SELECT incident.id, incident.number, event.id FROM incident, event"
    )


@cache
def _next_number_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    table = quote(IncidentSequence._meta.db_table)
    organization = quote(IncidentSequence._meta.get_field("organization").column)
    last = quote(IncidentSequence._meta.get_field("last_number").column)
    return (f"INSERT INTO {table} ({organization}, {last}) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT ({organization}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last} AS number")


def _next_number(organization_id: int) -> int:
    """One statement (SQLite ≥ 3.35 too): the upsert creates the org's counter row or adds one to
    it; the row stays locked until the caller's transaction ends."""
    alias = router.db_for_write(IncidentSequence)
    with connections[alias].cursor() as cursor:
        cursor.execute(_next_number_sql(alias), [organization_id])
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
