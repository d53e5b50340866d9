"""The few statements of comms written as SQL, each with a portable twin (``portable=True`` or a database
other than PostgreSQL) that the tests run too."""

import json

from django.db import connection

from comms.models import AffectedUser

CHUNK = 10_000


def _upsert_sql() -> str:
    table = connection.ops.quote_name(AffectedUser._meta.db_table)
    return f"""
        INSERT INTO {table} (organization_id, incident_id, email, email_key, name, extra, created_at)
        SELECT %s, %s, t.email, t.email_key, t.name, t.extra::jsonb, now()
        FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS t(email, email_key, name, extra)
        ON CONFLICT (incident_id, email_key) DO UPDATE SET
            email = EXCLUDED.email,
            name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE {table}.name END,
            extra = {table}.extra || EXCLUDED.extra
    """  # noqa: S608 — the table name is the model's, every value a parameter


def affected_users_upsert(incident, people: list[dict], *, portable: bool = False) -> None:
    """Insert or merge people (``email``, ``email_key``, ``name``, ``extra``) of ``incident``: a stored row
    keeps its name when the new one is empty and merges its columns. On PostgreSQL one statement per
    10,000 rows with array parameters (a 100,000-row import in seconds, not a minute)."""
    if portable or connection.vendor != "postgresql":
        _upsert_portable(incident, people)
        return
    sql = _upsert_sql()
    with connection.cursor() as cursor:
        for start in range(0, len(people), CHUNK):
            chunk = people[start:start + CHUNK]
            cursor.execute(sql, [incident.organization_id, incident.pk, [p["email"] for p in chunk],
                                 [p["email_key"] for p in chunk], [p["name"] for p in chunk],
                                 [json.dumps(p["extra"]) for p in chunk]])


def _upsert_portable(incident, people: list[dict]) -> None:
    stored = {row.email_key: row for row in AffectedUser.objects.filter(
        incident=incident, email_key__in=[p["email_key"] for p in people])}
    new = []
    for person in people:
        row = stored.get(person["email_key"])
        if row is None:
            new.append(AffectedUser(organization_id=incident.organization_id, incident=incident, **person))
            continue
        row.email, row.name = person["email"], person["name"] or row.name
        row.extra = {**row.extra, **person["extra"]}
        row.save(update_fields=["email", "name", "extra"])
    AffectedUser.objects.bulk_create(new, batch_size=2000)
