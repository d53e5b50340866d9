"""The two statements every received trigger runs, as plain SQL instead of ORM queries.

Measured on the benchmark box, the ORM spent ~0.6 ms a query building SQL and model instances
for what PostgreSQL answers in ~0.1 ms; these two run on every event. Table and column names
come from the models' ``_meta`` (so a rename is followed), values are always parameters."""

import json
from functools import cache

from django.db import connections, router

from incidents.enums import OPEN_STATUSES
from incidents.ingestion.models import Alert, AlertKey
from incidents.models import Incident

ALERT_FIELDS = ("organization_id", "integration_id", "service_id", "incident_id", "dedup_key", "status", "severity",
                "summary", "source", "details", "links", "occurred_at", "received_at", "acknowledged_at",
                "resolved_at", "suppressed_by_id")
JSON_FIELDS = {"details", "links"}
KEY_FIELDS = ("id", "organization_id", "service_id", "dedup_key", "incident_id")
INCIDENT_FIELDS = ("id", "organization_id", "status", "acknowledged_at", "alert_count")


def _column(model, name: str) -> str:
    return model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name).column


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


@cache
def _insert_sql(alias: str, count_on_incident: bool) -> str:
    """INSERT the alert; with ``count_on_incident`` the same statement grows the incident's
    alert_count (a data-modifying CTE: one round trip instead of two)."""
    connection = connections[alias]
    columns = ", ".join(_q(connection, Alert, name) for name in ALERT_FIELDS)
    values = ", ".join("%s::jsonb" if name in JSON_FIELDS else "%s" for name in ALERT_FIELDS)
    insert = (f"INSERT INTO {connection.ops.quote_name(Alert._meta.db_table)} ({columns}) "  # noqa: S608
              f"VALUES ({values}) RETURNING {_q(connection, Alert, 'id')}")
    if not count_on_incident:
        return insert
    count = _q(connection, Incident, "alert_count")
    return (f"WITH counted AS (UPDATE {connection.ops.quote_name(Incident._meta.db_table)} "  # noqa: S608
            f"SET {count} = {count} + 1 WHERE {_q(connection, Incident, 'id')} = %s) {insert}")


def lock_slot_with_open_incident(*, service_id: int, dedup_key: str) -> tuple[AlertKey, Incident] | None:
    """The (service, key) slot and its open incident, both locked FOR UPDATE (one inner join)."""
    alias = router.db_for_write(AlertKey)
    with connections[alias].cursor() as cursor:
        cursor.execute(_lock_sql(alias), [service_id, dedup_key, *OPEN_STATUSES])
        row = cursor.fetchone()
    if row is None:
        return None
    key = AlertKey.from_db(alias, KEY_FIELDS, row[:len(KEY_FIELDS)])
    incident = Incident.from_db(alias, INCIDENT_FIELDS, row[len(KEY_FIELDS):])
    return key, incident


def alert_insert(*, count_on_incident: bool = False, **values) -> Alert:
    """Insert an alert; return it as a saved instance (all its fields set). ``count_on_incident``:
    also add one to its incident's ``alert_count`` (the caller holds that row's lock)."""
    alias = router.db_for_write(Alert)
    params = [json.dumps(values[name]) if name in JSON_FIELDS else values[name] for name in ALERT_FIELDS]
    if count_on_incident:
        params.insert(0, values["incident_id"])
    with connections[alias].cursor() as cursor:
        cursor.execute(_insert_sql(alias, count_on_incident), params)
        (pk,) = cursor.fetchone()
    return Alert.from_db(alias, ("id", *ALERT_FIELDS), (pk, *(values[name] for name in ALERT_FIELDS)))
