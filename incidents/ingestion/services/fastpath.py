"""The statements every received trigger runs, as plain SQL instead of ORM queries.

Measured on the benchmark box, the ORM spent ~0.6 ms a query building SQL and model instances
for what PostgreSQL answers in ~0.1 ms; these run on every event. Table and column names
come from the models' ``_meta`` (so a rename is followed), values are parameters (but for the
join's few enum constants, written as literals).

The commonest event of all, a trigger joining an open incident (an alert storm), is one
statement (``trigger_join``): count (its UPDATE locks the incident), alert insert and timeline
event in one round trip, which in autocommit is its own transaction (no BEGIN/COMMIT round
trips), committed without waiting for the WAL flush (``ASYNC_COMMIT_CONDITION``).

The SQL is PostgreSQL's (data-modifying CTEs, ``FOR UPDATE``, ``jsonb``). On another database
(the run command's zero-setup SQLite) the same functions fall back to the ORM, and
``trigger_join`` declines so the caller takes its transactional path: same results, slower."""

import json
import re
from functools import cache

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, router
from django.db.models import F

from incidents.enums import OPEN_STATUSES, IncidentStatus, TimelineKind
from incidents.ingestion.enums import AlertStatus
from incidents.ingestion.models import Alert, AlertKey
from incidents.models import Incident, TimelineEvent
from incidents.sql import typed_parameter

ALERT_FIELDS = ("organization_id", "integration_id", "service_id", "incident_id", "dedup_key", "status", "severity",
                "summary", "source", "details", "links", "occurred_at", "received_at", "acknowledged_at",
                "resolved_at", "suppressed_by_id")
JSON_FIELDS = {"details", "links"}
KEY_FIELDS = ("id", "organization_id", "service_id", "dedup_key", "incident_id")
INCIDENT_FIELDS = ("id", "organization_id", "status", "acknowledged_at", "alert_count")
# An alert joining an incident in these statuses changes nothing but the count and the timeline
# (one in monitoring is moved back: the full path does that).
JOIN_STATUSES = tuple(status for status in OPEN_STATUSES if status != IncidentStatus.MONITORING)
EVENT_FIELDS = ("organization_id", "incident_id", "kind", "actor_id", "payload", "at")
# A join commits asynchronously (PostgreSQL's ``synchronous_commit = off`` for that transaction
# only, set from inside the statement): the 202 still comes after the commit, and the alert is
# visible to every reader at once, but the server does not wait for the WAL flush (~0.15-0.25 ms
# here, the largest single cost of the event). What a server crash could lose is the last
# ~0.6 s (three times wal_writer_delay) of such joins: a count and a timeline line on an incident that
# is itself durable, unchanged by the join and already paging; every alert that opens, reopens,
# acknowledges or resolves an incident commits synchronously, so no crash loses an incident, a
# page or a state change. ``INGESTION_ASYNC_COMMIT_JOINS = False`` makes joins durable too.
ASYNC_COMMIT_CONDITION = "AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL "
PREPARE_THRESHOLD = 1  # any number: the statement asks to be prepared (``prepare=True``)


def _column(model, name: str) -> str:
    return model._meta.get_field(name.removesuffix("_id")).column


def _q(connection, model, name: str) -> str:
    return connection.ops.quote_name(_column(model, name))


@cache
def _lock_sql(alias: str) -> str:
    connection = connections[alias]
    key_table, incident_table = (connection.ops.quote_name(model._meta.db_table) for model in (AlertKey, Incident))
    key_columns = ", ".join(f"k.{_q(connection, AlertKey, name)}" for name in KEY_FIELDS)
    incident_columns = ", ".join(f"i.{_q(connection, Incident, name)}" for name in INCIDENT_FIELDS)
    return (f"SELECT {key_columns}, {incident_columns} FROM {key_table} k JOIN {incident_table} i "  # noqa: S608
            f"ON i.{_q(connection, Incident, 'id')} = k.{_q(connection, AlertKey, 'incident_id')} "
            f"WHERE k.{_q(connection, AlertKey, 'service_id')} = %s AND k.{_q(connection, AlertKey, 'dedup_key')} = %s "
            f"AND i.{_q(connection, Incident, 'status')} IN ({', '.join(['%s'] * len(OPEN_STATUSES))}) "
            f"FOR UPDATE")


def _alert_returning(connection) -> str:
    """What the ``alert`` CTE of an insert returns for ``_received_event_cte``."""
    return "RETURNING " + ", ".join(f"{_q(connection, Alert, name)} AS {name}"
                                    for name in ("id", "organization_id", "incident_id", "received_at"))


def _received_event_cte(connection, payload: str) -> str:
    """The ``event`` CTE: the ``alert_received`` timeline event of the row the ``alert`` CTE
    inserted, its payload the SQL ``payload`` plus the alert's id."""
    columns = ", ".join(_q(connection, TimelineEvent, name) for name in EVENT_FIELDS)
    return (f"event AS (INSERT INTO {connection.ops.quote_name(TimelineEvent._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT alert.organization_id, alert.incident_id, {_literal(TimelineKind.ALERT_RECEIVED)}, NULL, "
            f"jsonb_build_object('alert_id', alert.id) || {payload}::jsonb, alert.received_at FROM alert "
            f"RETURNING {_q(connection, TimelineEvent, 'id')} AS id)")


def _alert_insert_sql(connection) -> str:
    columns = ", ".join(_q(connection, Alert, name) for name in ALERT_FIELDS)
    values = ", ".join("%s::jsonb" if name in JSON_FIELDS else "%s" for name in ALERT_FIELDS)
    return f"INSERT INTO {connection.ops.quote_name(Alert._meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608


@cache
def _received_sql(alias: str, point_slot: bool) -> str:
    """One statement (data-modifying CTEs, one round trip instead of up to four): grow the
    incident's alert_count, with ``point_slot`` point a slot at the incident, insert the alert and
    its ``alert_received`` timeline event. Returns the alert's and the event's ids."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    count = _q(connection, Incident, "alert_count")
    ctes = [f"counted AS (UPDATE {quote(Incident._meta.db_table)} "  # noqa: S608
            f"SET {count} = {count} + 1 WHERE {_q(connection, Incident, 'id')} = %s)"]
    if point_slot:
        ctes.append(f"pointed AS (UPDATE {quote(AlertKey._meta.db_table)} "  # noqa: S608
                    f"SET {_q(connection, AlertKey, 'incident_id')} = %s WHERE {_q(connection, AlertKey, 'id')} = %s)")
    ctes.append(f"alert AS ({_alert_insert_sql(connection)}{_alert_returning(connection)})")
    ctes.append(_received_event_cte(connection, "%s"))
    return f"WITH {', '.join(ctes)} SELECT alert.id, event.id FROM alert, event"  # noqa: S608


def _is_postgresql(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def lock_slot_with_open_incident(*, service_id: int, dedup_key: str) -> tuple[AlertKey, Incident] | None:
    """The (service, key) slot and its open incident, both locked FOR UPDATE (one inner join)."""
    alias = router.db_for_write(AlertKey)
    if not _is_postgresql(alias):
        key = (AlertKey.objects.select_for_update().select_related("incident")
               .filter(service_id=service_id, dedup_key=dedup_key, incident__status__in=OPEN_STATUSES).first())
        return (key, key.incident) if key is not None else None
    with connections[alias].cursor() as cursor:
        cursor.execute(_lock_sql(alias), [service_id, dedup_key, *OPEN_STATUSES])
        row = cursor.fetchone()
    if row is None:
        return None
    key = AlertKey.from_db(alias, KEY_FIELDS, row[:len(KEY_FIELDS)])
    incident = Incident.from_db(alias, INCIDENT_FIELDS, row[len(KEY_FIELDS):])
    return key, incident


@cache
def _slot_sql(alias: str) -> str:
    connection = connections[alias]
    columns = ", ".join(_q(connection, AlertKey, name) for name in KEY_FIELDS)
    return (f"SELECT {columns} FROM {connection.ops.quote_name(AlertKey._meta.db_table)} "  # noqa: S608
            f"WHERE {_q(connection, AlertKey, 'service_id')} = %s AND {_q(connection, AlertKey, 'dedup_key')} = %s "
            f"FOR UPDATE")


def slot_lock(*, service_id: int, dedup_key: str) -> AlertKey | None:
    """The (service, key) slot, locked FOR UPDATE; None if there is none."""
    alias = router.db_for_write(AlertKey)
    if not _is_postgresql(alias):
        return AlertKey.objects.select_for_update(of=("self",)).filter(service_id=service_id,
                                                                        dedup_key=dedup_key).first()
    with connections[alias].cursor() as cursor:
        cursor.execute(_slot_sql(alias), [service_id, dedup_key])
        row = cursor.fetchone()
    return AlertKey.from_db(alias, KEY_FIELDS, row) if row is not None else None


@cache
def _key_insert_sql(alias: str) -> str:
    connection = connections[alias]
    fields = KEY_FIELDS[1:]
    columns = ", ".join(_q(connection, AlertKey, name) for name in fields)
    return (f"INSERT INTO {connection.ops.quote_name(AlertKey._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING "
            f"RETURNING {_q(connection, AlertKey, 'id')}")


def alert_key_insert(*, organization_id: int, service_id: int, dedup_key: str) -> AlertKey | None:
    """Create the (service, dedup key) slot unless it exists (its unique constraint, ``ON CONFLICT
    DO NOTHING``) and return it, or None when it existed (or, off PostgreSQL, always: the caller
    reads it back). A row this transaction inserted is as good as locked: no other transaction
    sees it before commit, and one inserting the same key waits on the unique index until then."""
    alias = router.db_for_write(AlertKey)
    values = {"organization_id": organization_id, "service_id": service_id, "dedup_key": dedup_key,
              "incident_id": None}
    if not _is_postgresql(alias):
        AlertKey.objects.bulk_create([AlertKey(**values)], ignore_conflicts=True)
        return None
    with connections[alias].cursor() as cursor:
        cursor.execute(_key_insert_sql(alias), [values[name] for name in KEY_FIELDS[1:]])
        row = cursor.fetchone()
    if row is None:
        return None
    return AlertKey.from_db(alias, KEY_FIELDS, (row[0], *(values[name] for name in KEY_FIELDS[1:])))


def alert_insert(**values) -> Alert:
    """Insert an alert that joins no incident; return it as a saved instance (all its fields set)."""
    alias = router.db_for_write(Alert)
    if not _is_postgresql(alias):
        return Alert.objects.create(**{name: values[name] for name in ALERT_FIELDS})
    with connections[alias].cursor() as cursor:
        cursor.execute(_alert_insert_sql(connections[alias]) + f"RETURNING {_q(connections[alias], Alert, 'id')}",
                       _alert_params(values))
        (pk,) = cursor.fetchone()
    return Alert.from_db(alias, ("id", *ALERT_FIELDS), (pk, *(values[name] for name in ALERT_FIELDS)))


def alert_insert_received(*, slot: AlertKey | None = None, payload: dict, **values) -> tuple[Alert, int]:
    """Insert an alert that joins its incident (the caller holds the incident's lock, or created
    it): its ``alert_count`` grows and the incident's ``alert_received`` timeline event, whose
    payload is ``payload`` plus the alert's id, is written in the same statement; ``slot`` (the
    key of a new incident) is pointed at the incident too, as ``slot.save()`` would. Returns the
    alert and the event's id (the caller hands it to the outbox)."""
    alias = router.db_for_write(Alert)
    if slot is not None:
        slot.incident_id = values["incident_id"]
    if not _is_postgresql(alias):
        return _alert_insert_received_orm(slot, payload, values)
    params = [values["incident_id"], *((values["incident_id"], slot.pk) if slot is not None else ()),
              *_alert_params(values), json.dumps(payload)]
    with connections[alias].cursor() as cursor:
        cursor.execute(_received_sql(alias, slot is not None), params)
        pk, event_id = cursor.fetchone()
    return Alert.from_db(alias, ("id", *ALERT_FIELDS), (pk, *(values[name] for name in ALERT_FIELDS))), event_id


def _alert_params(values: dict) -> list:
    return [json.dumps(values[name]) if name in JSON_FIELDS else values[name] for name in ALERT_FIELDS]


def _alert_insert_received_orm(slot: AlertKey | None, payload: dict, values: dict) -> tuple[Alert, int]:
    alert = Alert.objects.create(**{name: values[name] for name in ALERT_FIELDS})
    Incident.objects.filter(pk=values["incident_id"]).update(alert_count=F("alert_count") + 1)
    if slot is not None:
        slot.save(update_fields=["incident"])
    event = TimelineEvent.objects.create(organization_id=alert.organization_id, incident_id=alert.incident_id,
                                         kind=TimelineKind.ALERT_RECEIVED, at=alert.received_at,
                                         payload={"alert_id": alert.pk, **payload})
    return alert, event.pk


# What a joining alert is by definition (a trigger outside any maintenance window), written as
# SQL literals in the join statement rather than sent as parameters with every event.
JOIN_CONSTANTS = {"status": AlertStatus.FIRING, "acknowledged_at": None, "resolved_at": None, "suppressed_by_id": None}


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if not re.fullmatch(r"[a-z_]+", value):  # enum values only: nothing to escape
        raise ValueError(value)
    return f"'{value}'"


@cache
def _join_sql(alias: str, asynchronous: bool) -> tuple[str, tuple[str, ...]]:
    """One statement: grow the ``alert_count`` of the open incident (not in monitoring) that the
    (service, key) slot points at, insert the alert and its ``alert_received`` timeline event.
    No row comes back when there is no such incident (then nothing was written).

    The UPDATE is the only lock taken, on the incident row: under READ COMMITTED it waits for a
    concurrent change of that incident and re-checks the status on its newest version, so a
    join and a resolve, a transition or a move to monitoring serialise on the incident, and a
    join never lands on an incident that has just left the join statuses (it writes nothing and
    the caller takes the transactional path, which locks the slot and then the incident). The
    slot row is only read: it points at a new incident only once the old one is no longer open,
    which that re-check sees. Returned with the names of its parameters, each sent once however
    often the SQL uses it."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    key_table, incident_table, alert_table = (quote(model._meta.db_table) for model in (AlertKey, Incident, Alert))
    incident_id, count = _q(connection, Incident, "id"), _q(connection, Incident, "alert_count")
    alert_columns = ", ".join(_q(connection, Alert, name) for name in ALERT_FIELDS)

    def alert_value(name):
        if name == "incident_id":
            return "slot.incident_id"
        field = Alert._meta.get_field(name.removesuffix("_id"))
        if name in JOIN_CONSTANTS:
            return f"{_literal(JOIN_CONSTANTS[name])}::{field.db_type(connection)}"
        return typed_parameter(connection, field, f"%({name})s")

    alert_values = ", ".join(alert_value(name) for name in ALERT_FIELDS)
    return _bind(
        f"WITH slot AS (UPDATE {incident_table} i SET {count} = i.{count} + 1 FROM {key_table} k "  # noqa: S608
        f"WHERE k.{_q(connection, AlertKey, 'service_id')} = %(service_id)s "
        f"AND k.{_q(connection, AlertKey, 'dedup_key')} = %(dedup_key)s "
        f"AND i.{incident_id} = k.{_q(connection, AlertKey, 'incident_id')} "
        f"AND i.{_q(connection, Incident, 'status')} IN ({', '.join(_literal(status) for status in JOIN_STATUSES)}) "
        f"{ASYNC_COMMIT_CONDITION if asynchronous else ''}RETURNING i.{incident_id} AS incident_id), "
        f"alert AS (INSERT INTO {alert_table} ({alert_columns}) SELECT {alert_values} FROM slot "
        f"{_alert_returning(connection)}), {_received_event_cte(connection, '%(payload)s')} "
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


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def trigger_join(*, payload: dict, **values) -> tuple[int, int, int] | None:
    """If the (service, dedup key) slot has an open incident not in monitoring: add the alert
    (``values``: the alert's fields but its incident; those in ``JOIN_CONSTANTS`` are taken as
    given) to it in one statement — alert row, the incident's ``alert_count``, an
    ``alert_received`` timeline event whose payload is ``payload`` plus the alert's id — and
    return (alert id, incident id, timeline event id); otherwise None, nothing written. Outside a
    transaction the statement commits on its own, asynchronously unless
    ``INGESTION_ASYNC_COMMIT_JOINS`` is off (see ``ASYNC_COMMIT_CONDITION``)."""
    alias = router.db_for_write(Alert)
    if not _is_postgresql(alias):
        return None
    # Only a statement that is its own transaction: inside a caller's, the setting would cover its other writes.
    asynchronous = getattr(settings, "INGESTION_ASYNC_COMMIT_JOINS", True) and not connections[alias].in_atomic_block
    sql, names = _join_sql(alias, asynchronous)
    values = {**values, "details": json.dumps(values["details"]), "links": json.dumps(values["links"]),
              "payload": json.dumps(payload)}
    return _execute_prepared(alias, sql, [values[name] for name in names])


def _execute_prepared(alias: str, sql: str, params: list) -> tuple | None:
    """Run ``sql`` on the connection Django manages and return its first row, as a server-side
    prepared statement unless ``INGESTION_PREPARED_STATEMENTS`` is off (a transaction-mode pooler
    without prepared-statement support). Django's cursors bind on the client, so PostgreSQL plans
    every call: for the join statement planning was half its cost (pgbench on the benchmark box:
    2,400 → 4,700 a second prepared). Django turns psycopg's prepared statements off per
    connection (``prepare_threshold`` None) for poolers; they are on only around this call,
    so no other query changes. Errors are Django's (``DataError``, ``OperationalError``…).

    ``CONN_HEALTH_CHECKS`` costs a ``SELECT 1`` round trip before a request's first query. Outside
    a transaction the statement is its own check instead: if it fails and the connection turns out
    unusable (the server closed it while idle), it is reopened and the statement run once more —
    what the health check would have done, and the same outcome as the sender retrying our 503."""
    connection = connections[alias]
    if connection.connection is not None and connection.health_check_enabled and not (
            connection.health_check_done or connection.in_atomic_block):
        try:
            row = _run_prepared(connection, sql, params)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise
            connection.close()
        else:
            connection.health_check_done = True
            return row
    connection.close_if_health_check_failed()
    return _run_prepared(connection, sql, params)


def _run_prepared(connection, sql: str, params: list) -> tuple | None:
    connection.ensure_connection()
    raw = connection.connection
    prepare = getattr(settings, "INGESTION_PREPARED_STATEMENTS", True)
    threshold = raw.prepare_threshold
    with connection.wrap_database_errors, psycopg.RawCursor(raw) as cursor:
        if prepare and threshold is None:
            raw.prepare_threshold = PREPARE_THRESHOLD
        try:
            cursor.execute(sql, params, prepare=prepare)
        finally:
            raw.prepare_threshold = threshold
        return cursor.fetchone()
