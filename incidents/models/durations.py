"""The seconds between two of an incident's moments, stored on the row (a generated column) so the
metrics aggregate plain numbers: computing ``interval → seconds`` on every read was most of their cost."""

from django.db.models import F, FloatField, Func, GeneratedField


class SecondsBetween(Func):
    """``end - start`` in seconds (NULL when either is NULL). Immutable on both databases, as a
    generated column needs: PostgreSQL's ``date_part`` of an interval (a float, unlike ``EXTRACT``,
    which is numeric since PostgreSQL 14), SQLite's ``julianday`` of stored values."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)",
                           arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)",
                           arg_joiner=") - julianday(", **extra)


def duration(end: str, start: str, help_text: str) -> GeneratedField:
    return GeneratedField(expression=SecondsBetween(F(end), F(start)), output_field=FloatField(),
                          db_persist=True, help_text=help_text)
