"""Small helpers for the few statements written as SQL (incident opening, alert ingestion)."""


def typed_parameter(connection, field, placeholder: str = "%s") -> str:
    """``placeholder`` cast to ``field``'s column type: in an ``INSERT … SELECT`` (or a prepared
    statement's SELECT list) a parameter has no column to infer its type from. Text goes as
    ``text``: the assignment to ``varchar(n)`` still refuses an over-long value, which an
    explicit cast to ``varchar(n)`` would truncate."""
    text = field.get_internal_type() in ("CharField", "TextField", "SlugField")
    return f"{placeholder}::{'text' if text else field.db_type(connection)}"
