"""Every statement Foghorn writes as SQL instead of ORM queries, in one place: opening an incident
and adding a received alert to one. They run on every alert (an alert storm adds hundreds a
second), where the ORM spent ~0.6 ms a query building SQL and instances for what PostgreSQL
answers in ~0.1 ms, and each is one round trip (data-modifying CTEs) where the ORM made up to five.

Only ``incidents.services`` calls this module. Table and column names come from the models'
``_meta`` (a rename is followed); values are parameters. The alert tables belong to
``incidents.ingestion``, which ``incidents`` never imports: the services take their models as
arguments. The SQL is PostgreSQL's; on another database (the run command's SQLite) the services
write the same rows through the ORM, and ``tests/ingestion/test_sqlite_path.py`` runs that path on
a real SQLite database."""
# ruff: noqa: S608 - every statement here is built from _meta names and enum literals; values are parameters

import json
import re
from functools import cache

import psycopg
from django.db import InterfaceError, OperationalError, connections
from django.db.models import JSONField

from incidents.enums import OPEN_STATUSES, IncidentStatus, ParticipantRole, TimelineKind
from incidents.models import ChecklistItem, Incident, IncidentSequence, Participant, TimelineEvent

NUMBER_PLACEHOLDER = "{number}"
# Filled in by the opening statement from the counter, not sent as parameters.
NUMBERED_FIELDS = ("number", "war_room_url")
EVENT_FIELDS = ("organization_id", "incident_id", "kind", "actor_id", "payload", "at")
# A trigger joins an open incident that is not in monitoring (from there it reopens, a transition).
JOIN_STATUSES = tuple(status for status in OPEN_STATUSES if status != IncidentStatus.MONITORING)
# Asynchronous commit for the statement's own transaction only (``set_config(…, true)``), set from
# inside the statement: see ``INGESTION_ASYNC_COMMIT_JOINS`` in incidents/ingestion/README.md.
ASYNC_COMMIT_CONDITION = "AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL "
PREPARE_THRESHOLD = 1  # any number: the statement asks to be prepared (``prepare=True``)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def typed_parameter(connection, field, placeholder: str = "%s") -> str:
    """``placeholder`` cast to ``field``'s column type: in an ``INSERT … SELECT`` (or a prepared
    statement's SELECT list) a parameter has no column to infer its type from. Text goes as
    ``text``: the assignment to ``varchar(n)`` still refuses an over-long value, which an
    explicit cast to ``varchar(n)`` would truncate."""
    text = field.get_internal_type() in ("CharField", "TextField", "SlugField")
    return f"{placeholder}::{'text' if text else field.db_type(connection)}"


def is_postgresql(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def _field(model, name: str):
    return model._meta.get_field(name.removesuffix("_id"))


def _q(connection, model, name: str) -> str:
    return connection.ops.quote_name(_field(model, name).column)


def _table(connection, model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _literal(value: str) -> str:
    if not re.fullmatch(r"[a-z_]+", value):  # enum values only: nothing to escape
        raise ValueError(value)
    return f"'{value}'"


def json_params(model, values: dict) -> dict:
    """``values`` with the model's JSON fields serialised (the statements cast them to jsonb)."""
    return {name: json.dumps(value) if isinstance(_field(model, name), JSONField) else value
            for name, value in values.items()}


# --- opening an incident -----------------------------------------------------------------------
@cache
def incident_fields() -> tuple:
    return tuple(field for field in Incident._meta.concrete_fields
                 if not field.primary_key and not field.generated and field.name not in NUMBERED_FIELDS)


def _opening_ctes(connection, counter: str, incident_id: str | None) -> list[str]:
    """The CTEs that open an incident: ``counter`` (the CTE taking its number), the incident
    (``incident_id``: SQL for a pre-allocated id, else the column's default), its checklist items
    (one row per template entry, from arrays), its commander's participation (no row when there is
    none) and its ``incident_created`` event (CTE ``event``). Parameters are named."""

    def columns(model, names):
        return ", ".join(_q(connection, model, name) for name in names)

    fields = incident_fields()
    incident_columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    incident_values = ", ".join(typed_parameter(connection, field, f"%(incident_{field.attname})s")
                                for field in fields)
    id_column, id_value = (f"{_q(connection, Incident, 'id')}, ", f"{incident_id}, ") if incident_id else ("", "")
    item_columns = columns(ChecklistItem, ("organization", "incident", "checklist", "key", "label", "position",
                                           "done", "automatic"))
    participant_columns = columns(Participant, ("organization", "incident", "user", "role", "added_at"))
    return [
        f"incident AS (INSERT INTO {_table(connection, Incident)} ({id_column}{incident_columns}, "
        f"{columns(Incident, NUMBERED_FIELDS)}) "
        f"SELECT {id_value}{incident_values}, {counter}.number, "
        f"replace(%(war_room_template)s::text, '{NUMBER_PLACEHOLDER}', {counter}.number::text) "
        f"FROM {counter} RETURNING {_q(connection, Incident, 'id')} AS id, "
        f"{_q(connection, Incident, 'organization')} AS organization_id, "
        f"{_q(connection, Incident, 'number')} AS number)",
        f"items AS (INSERT INTO {_table(connection, ChecklistItem)} ({item_columns}) "
        f"SELECT incident.organization_id, incident.id, item.checklist, item.key, item.label, item.position, "
        f"false, false FROM incident, unnest(%(checklists)s::text[], %(keys)s::text[], %(labels)s::text[], "
        f"%(positions)s::int[]) AS item(checklist, key, label, position))",
        f"commander AS (INSERT INTO {_table(connection, Participant)} ({participant_columns}) "
        f"SELECT incident.organization_id, incident.id, commander.id, {_literal(ParticipantRole.COMMANDER)}, "
        f"%(at)s::timestamptz FROM incident, (SELECT %(commander_id)s::bigint AS id) commander "
        f"WHERE commander.id IS NOT NULL)",
        f"event AS (INSERT INTO {_table(connection, TimelineEvent)} ({columns(TimelineEvent, EVENT_FIELDS)}) "
        f"SELECT incident.organization_id, incident.id, {_literal(TimelineKind.INCIDENT_CREATED)}, "
        f"%(actor_id)s::bigint, %(payload)s::jsonb, %(at)s::timestamptz FROM incident "
        f"RETURNING {_q(connection, TimelineEvent, 'id')} AS id)",
    ]


@cache
def incident_insert_sql(alias: str) -> str:
    """Counter, incident, checklist items, the commander's participation and the
    ``incident_created`` event (``_opening_ctes``) in one statement returning (incident id, number,
    event id). The counter's upsert locks the org's row until the transaction ends."""
    connection = connections[alias]
    ctes = [f"counter AS ({next_number_sql(alias, '%(organization_id)s')})",
            *_opening_ctes(connection, "counter", None)]
    return f"WITH {', '.join(ctes)} SELECT incident.id, incident.number, event.id FROM incident, event"


@cache
def incident_for_alert_sql(alias: str, alert_model, slot_model, names: tuple[str, ...]) -> str:
    """The first alert of a (service, dedup key) slot that feeds no incident opens one, all in one
    statement, so that run as its own transaction the org's counter row is locked only while the
    server runs it and commits — no client round trip inside the lock, which is what serialises an
    organization's new incidents (an alert storm of new keys):

    - ``slot`` claims the slot: inserts it pointing at a pre-allocated incident id, or on conflict
      points an existing slot there only if it feeds nothing (``incident_id IS NULL``). A slot that
      names an incident (open, in monitoring or resolved) gives no row, and then nothing at all is
      written: every later CTE reads from it, the counter's included (no number is used up). A
      concurrent opener of the same new key waits on the unique index until this commits, then
      finds the slot taken.
    - the counter, the incident (its ``alert_count`` among its values) and what goes with it
      (``_opening_ctes``), the alert row (columns ``names`` and the incident) and its
      ``alert_received`` event.

    Returns (incident id, number, incident_created event id, alert id, alert_received event id) or
    no row. Foreign keys are checked at commit (Django's are deferred), after every row exists."""
    connection = connections[alias]
    incident_table = Incident._meta.db_table
    slot_table = _table(connection, slot_model)
    slot_columns = ", ".join(_q(connection, slot_model, name)
                             for name in ("organization_id", "service_id", "dedup_key", "incident_id"))
    slot_incident = _q(connection, slot_model, "incident_id")
    conflict = ", ".join(_q(connection, slot_model, name) for name in ("service_id", "dedup_key"))
    counter_table = _table(connection, IncidentSequence)
    counter_org = _q(connection, IncidentSequence, "organization")
    last = _q(connection, IncidentSequence, "last_number")
    alert_columns = ", ".join(_q(connection, alert_model, name) for name in (*names, "incident_id"))
    alert_values = ", ".join(typed_parameter(connection, _field(alert_model, name), f"%(alert_{name})s")
                             for name in names)
    ctes = [
        f"allocated AS (SELECT nextval(pg_get_serial_sequence('{incident_table}', "
        f"'{Incident._meta.pk.column}')) AS id)",
        f"slot AS (INSERT INTO {slot_table} AS k ({slot_columns}) "
        f"SELECT %(organization_id)s::bigint, %(service_id)s::bigint, %(dedup_key)s::text, allocated.id "
        f"FROM allocated ON CONFLICT ({conflict}) DO UPDATE SET {slot_incident} = EXCLUDED.{slot_incident} "
        f"WHERE k.{slot_incident} IS NULL RETURNING k.{slot_incident} AS incident_id)",
        f"counter AS (INSERT INTO {counter_table} ({counter_org}, {last}) SELECT %(organization_id)s::bigint, 1 "
        f"FROM slot ON CONFLICT ({counter_org}) DO UPDATE SET {last} = {counter_table}.{last} + 1 "
        f"RETURNING {last} AS number)",
        *_opening_ctes(connection, "counter", "(SELECT incident_id FROM slot)"),
        f"alert AS (INSERT INTO {_table(connection, alert_model)} ({alert_columns}) "
        f"SELECT {alert_values}, incident.id FROM incident {_alert_returning(connection, alert_model)})",
        _received_event_cte(connection, "%(alert_payload)s", name="alert_event"),
    ]
    return (f"WITH {', '.join(ctes)} SELECT incident.id, incident.number, event.id, alert.id, alert_event.id "
            "FROM incident, event, alert, alert_event")


@cache
def next_number_sql(alias: str, placeholder: str = "%s") -> str:
    """One statement (SQLite ≥ 3.35 too): the upsert creates the org's counter row or adds one to
    it; the row stays locked until the caller's transaction ends."""
    connection = connections[alias]
    table, organization = _table(connection, IncidentSequence), _q(connection, IncidentSequence, "organization")
    last = _q(connection, IncidentSequence, "last_number")
    return (f"INSERT INTO {table} ({organization}, {last}) VALUES ({placeholder}, 1) "
            f"ON CONFLICT ({organization}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last} AS number")


# --- an alert joins an incident ----------------------------------------------------------------
def _alert_returning(connection, alert_model) -> str:
    """What the ``alert`` CTE returns for ``_received_event_cte``."""
    return "RETURNING " + ", ".join(f"{_q(connection, alert_model, name)} AS {name}"
                                    for name in ("id", "organization_id", "incident_id", "received_at"))


def _received_event_cte(connection, payload: str, name: str = "event") -> str:
    """The ``event`` CTE (or ``name``): the ``alert_received`` timeline event of the row the
    ``alert`` CTE inserted, its payload the SQL ``payload`` plus the alert's id."""
    return (f"{name} AS (INSERT INTO {_table(connection, TimelineEvent)} "
            f"({', '.join(_q(connection, TimelineEvent, name) for name in EVENT_FIELDS)}) "
            f"SELECT alert.organization_id, alert.incident_id, {_literal(TimelineKind.ALERT_RECEIVED)}, NULL, "
            f"jsonb_build_object('alert_id', alert.id) || {payload}::jsonb, alert.received_at FROM alert "
            f"RETURNING {_q(connection, TimelineEvent, 'id')} AS id)")


@cache
def alert_received_sql(alias: str, alert_model, slot_model, names: tuple[str, ...], point_slot: bool) -> str:
    """Grow the incident's ``alert_count``, with ``point_slot`` point the (service, key) slot at it,
    insert the alert (columns ``names``, the incident's among them) and its ``alert_received``
    event, in one statement returning the alert's and the event's ids. Parameters are named."""
    connection = connections[alias]
    count = _q(connection, Incident, "alert_count")
    ctes = [f"counted AS (UPDATE {_table(connection, Incident)} SET {count} = {count} + 1 "
            f"WHERE {_q(connection, Incident, 'id')} = %(incident_id)s)"]
    if point_slot:
        ctes.append(f"pointed AS (UPDATE {_table(connection, slot_model)} "
                    f"SET {_q(connection, slot_model, 'incident_id')} = %(incident_id)s "
                    f"WHERE {_q(connection, slot_model, 'id')} = %(slot_id)s)")
    values = ", ".join(typed_parameter(connection, _field(alert_model, name), f"%({name})s") for name in names)
    ctes.append(f"alert AS (INSERT INTO {_table(connection, alert_model)} "
                f"({', '.join(_q(connection, alert_model, name) for name in names)}) SELECT {values} "
                f"{_alert_returning(connection, alert_model)})")
    ctes.append(_received_event_cte(connection, "%(payload)s"))
    return f"WITH {', '.join(ctes)} SELECT alert.id, event.id FROM alert, event"


@cache
def alert_join_sql(alias: str, alert_model, slot_model, names: tuple[str, ...],
                   asynchronous: bool) -> tuple[str, tuple[str, ...]]:
    """One statement: grow the ``alert_count`` of the incident (open, not in monitoring) that the
    (service, key) slot points at, insert the alert (columns ``names`` and its incident) and its
    ``alert_received`` event. No row comes back when there is no such incident (nothing written).

    The UPDATE is the only lock taken, on the incident row: under READ COMMITTED it waits for a
    concurrent change of that incident and re-checks the status on its newest version, so a
    join and a resolve, a transition or a move to monitoring serialise on the incident, and a
    join never lands on an incident that has just left the join statuses. The slot row is only
    read: it points at a new incident only once the old one is no longer open, which that
    re-check sees. Returned as ``$n`` SQL with the names of its parameters (see ``_bind``)."""
    connection = connections[alias]
    incident_id, count = _q(connection, Incident, "id"), _q(connection, Incident, "alert_count")
    columns = ", ".join(_q(connection, alert_model, name) for name in (*names, "incident_id"))
    values = ", ".join(typed_parameter(connection, _field(alert_model, name), f"%({name})s") for name in names)
    statuses = ", ".join(_literal(status) for status in JOIN_STATUSES)
    return _bind(
        f"WITH slot AS (UPDATE {_table(connection, Incident)} i SET {count} = i.{count} + 1 "
        f"FROM {_table(connection, slot_model)} k "
        f"WHERE k.{_q(connection, slot_model, 'service_id')} = %(service_id)s "
        f"AND k.{_q(connection, slot_model, 'dedup_key')} = %(dedup_key)s "
        f"AND i.{incident_id} = k.{_q(connection, slot_model, 'incident_id')} "
        f"AND i.{_q(connection, Incident, 'status')} IN ({statuses}) "
        f"{ASYNC_COMMIT_CONDITION if asynchronous else ''}RETURNING i.{incident_id} AS incident_id), "
        f"alert AS (INSERT INTO {_table(connection, alert_model)} ({columns}) SELECT {values}, slot.incident_id "
        f"FROM slot {_alert_returning(connection, alert_model)}), {_received_event_cte(connection, '%(payload)s')} "
        f"SELECT alert.id, alert.incident_id, event.id FROM alert, event"
    )


def _bind(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``%(name)s`` placeholders turned into PostgreSQL's own ``$1, $2…`` (for a
    ``RawCursor``, which sends the text as it is instead of converting it on every call), and
    the names in the order of their numbers."""
    names: list[str] = []

    def number(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return PLACEHOLDER.sub(number, sql), tuple(names)


def execute_prepared(alias: str, sql: str, params: list, *, prepare: bool) -> tuple | None:
    """Run ``sql`` (``$n`` placeholders) on the connection Django manages and return its first
    row, as a server-side prepared statement with ``prepare`` (off behind a transaction-mode pooler
    without prepared-statement support). Django's cursors bind on the client, so PostgreSQL plans
    every call: for the join statement planning was half its cost. Django turns psycopg's prepared
    statements off per connection (``prepare_threshold`` None) for poolers; they are on only
    around this call, so no other query changes. Errors are Django's (``DataError``…).

    ``CONN_HEALTH_CHECKS`` costs a ``SELECT 1`` round trip before a request's first query. Outside
    a transaction the statement is its own check instead: if it fails and the connection turns out
    unusable (the server closed it while idle), it is reopened and the statement run once more —
    what the health check would have done, and the same outcome as the sender retrying our 503."""
    connection = connections[alias]
    if connection.connection is not None and connection.health_check_enabled and not (
            connection.health_check_done or connection.in_atomic_block):
        try:
            row = _run_prepared(connection, sql, params, prepare)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise
            connection.close()
        else:
            connection.health_check_done = True
            return row
    connection.close_if_health_check_failed()
    return _run_prepared(connection, sql, params, prepare)


def _run_prepared(connection, sql: str, params: list, prepare: bool) -> tuple | None:
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    with connection.wrap_database_errors, psycopg.RawCursor(raw) as cursor:
        if prepare and threshold is None:
            raw.prepare_threshold = PREPARE_THRESHOLD
        try:
            cursor.execute(sql, params, prepare=prepare)
        finally:
            raw.prepare_threshold = threshold
        return cursor.fetchone()
