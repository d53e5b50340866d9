"""Database functions the metrics need, with their SQLite twins (the run command's default database).
The durations themselves are stored on each incident (``incidents.models.durations``).

- ``Percentiles(expression, [0.5, 0.9])``: PostgreSQL's ``percentile_cont`` (linear interpolation
  between the closest ranks) as a list; SQLite has no ordered-set aggregates, so there it is NULL and
  the metrics say ``"percentiles": false`` — means and counts still work."""

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, FloatField


class Percentiles(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(ARRAY%(fractions)s::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression, fractions, **extra):
        super().__init__(expression, fractions=str([float(value) for value in fractions]), **extra)

    def as_sqlite(self, compiler, conn, **extra):
        return "NULL", []


def has_percentiles() -> bool:
    return connection.vendor == "postgresql"


def sort_memory(megabytes: int = 32) -> None:
    """Give this transaction's sorts (GROUP BY and each ``percentile_cont``) room in memory: at the
    default 4 MB a year of one organization's incidents spills to disk. PostgreSQL only; call it inside
    ``transaction.atomic``. https://www.postgresql.org/docs/current/runtime-config-resource.html"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{int(megabytes)}MB'")
