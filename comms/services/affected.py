"""Affected users of an incident: imported from JSON rows, a CSV file or pasted text.

Each input row is checked on its own: invalid rows are reported (line, field, reason) and the valid ones
kept; duplicates by email (case-insensitive) merge, within the input and with rows already stored (a
later non-empty name or column wins). At most ``COMMS_AFFECTED_USERS_MAX`` per incident; an import that
would pass it writes nothing. The incident row is locked so concurrent imports count right."""

import csv
import io
import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from comms import conf, sql
from comms.models import AffectedUser
from incidents import services as incident_services
from incidents.models import Incident
from tenancy.errors import ApplicationError

COLUMN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
MAX_COLUMNS = 20
MAX_VALUE = 500
MAX_REPORTED_ERRORS = 1000
LOOKUP_BATCH = 10_000


@dataclass
class Parsed:
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, line: int, field_name: str, reason: str) -> None:
        self.errors.append({"line": line, "field": field_name, "reason": reason})


def _bad_input(field_name: str, reason: str) -> ApplicationError:
    return ApplicationError(reason, {field_name: [reason]})


def decode_csv(data: bytes) -> str:
    """Bytes of an uploaded file as text: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else,
    or a binary file, is a 400 naming ``file``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _bad_input("file", f"Not valid UTF-16 text: {exc.reason}.") from exc
    if b"\x00" in data[:4096]:
        raise _bad_input("file", "This is not a CSV file (it contains binary data). Upload a UTF-8 CSV.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _bad_input("file", f"Line {line}: not UTF-8 text. Save the CSV as UTF-8 and upload it again.") from exc


def _columns(header: list[str]) -> list[str]:
    names = [(name or "").strip().lower() for name in header]
    if "email" not in names:
        raise _bad_input("file", "The first line must be a header with an 'email' column (and optionally 'name').")
    if len(names) > MAX_COLUMNS + 2:
        raise _bad_input("file", f"At most {MAX_COLUMNS} columns besides email and name.")
    for name in names:
        if name not in ("email", "name") and not COLUMN.match(name):
            raise _bad_input("file", f"Column {name!r}: use letters, digits and underscores (e.g. plan_name).")
    if len(set(names)) != len(names):
        raise _bad_input("file", "A column name appears twice in the header.")
    return names


def parse_csv(text: str) -> Parsed:
    """Rows of a CSV with a header line (``email``, ``name``, other columns → ``extra``)."""
    parsed = Parsed()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None:
            raise _bad_input("file", "The file is empty.")
        names = _columns(header)
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(names):
                parsed.error(reader.line_num, "row", f"{len(values)} values for {len(names)} columns.")
                continue
            parsed.rows.append((reader.line_num, dict(zip(names, values, strict=False))))
    except csv.Error as exc:
        raise _bad_input("file", f"Line {reader.line_num}: not valid CSV ({exc}).") from exc
    return parsed


def parse_paste(text: str) -> Parsed:
    """Pasted text: a CSV with a header line, or one person a line (``Ann <ann@x.io>``, ``ann@x.io``,
    ``ann@x.io, Ann``)."""
    first = text.lstrip().split("\n", 1)[0].lower()
    if "email" in [part.strip() for part in re.split(r"[,;\t]", first)]:
        return parse_csv(text)
    parsed = Parsed()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [part.strip() for part in re.split(r"[,;\t]", line, maxsplit=1)]
        if "@" in parts[0] and "<" not in line:
            parsed.rows.append((number, {"email": parts[0], "name": parts[1] if len(parts) > 1 else ""}))
        else:
            name, address = parseaddr(line)
            parsed.rows.append((number, {"email": address or line, "name": name}))
    return parsed


def parse_json(rows) -> Parsed:
    """A list of objects: ``email`` (required), ``name``, other keys → ``extra``. Line = position (1-based)."""
    if not isinstance(rows, list):
        raise _bad_input("users", "A list of objects with an email (and optionally a name).")
    parsed = Parsed()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            parsed.error(number, "row", "Not an object.")
            continue
        parsed.rows.append((number, {str(key).lower(): value for key, value in row.items()}))
    return parsed


def _clean(number: int, row: dict, parsed: Parsed) -> dict | None:
    email = str(row.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        parsed.error(number, "email", "Not a valid email address." if email else "Missing.")
        return None
    name = str(row.get("name") or "").strip()
    if len(name) > 200:
        parsed.error(number, "name", "At most 200 characters.")
        return None
    extra = {}
    for key, value in row.items():
        if key in ("email", "name") or value in (None, ""):
            continue
        if not COLUMN.match(key) or len(extra) >= MAX_COLUMNS:
            parsed.error(number, key, "Not an accepted column name (letters, digits, _; at most 20 columns).")
            return None
        if not isinstance(value, str | int | float | bool) or len(str(value)) > MAX_VALUE:
            parsed.error(number, key, f"A text of at most {MAX_VALUE} characters.")
            return None
        extra[key] = str(value).strip()
    return {"email": email, "email_key": email.lower(), "name": name, "extra": extra}


def _merge(parsed: Parsed) -> tuple[dict[str, dict], int]:
    people: dict[str, dict] = {}
    valid = 0
    for number, row in parsed.rows:
        cleaned = _clean(number, row, parsed)
        if cleaned is None:
            continue
        valid += 1
        known = people.get(cleaned["email_key"])
        if known is None:
            people[cleaned["email_key"]] = cleaned
        else:
            known["name"] = cleaned["name"] or known["name"]
            known["extra"] = {**known["extra"], **cleaned["extra"]}
    return people, valid


def _existing_keys(incident: Incident, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), LOOKUP_BATCH):
        found.update(AffectedUser.objects.filter(incident=incident, email_key__in=keys[start:start + LOOKUP_BATCH])
                     .values_list("email_key", flat=True))
    return found


@transaction.atomic
def affected_users_import(*, incident: Incident, parsed: Parsed) -> dict:
    """Store the valid rows of ``parsed``; returns ``{received, created, merged, total, errors}``. Every row
    invalid (or none given) is a 400 with the row errors; more than the cap is a 400 writing nothing."""
    people, valid = _merge(parsed)
    errors = parsed.errors[:MAX_REPORTED_ERRORS]
    if not people:
        raise ApplicationError("No valid affected user in the input.",
                               {"users": ["No valid row."] if not errors else [f"{len(parsed.errors)} invalid row(s)."],
                                "rows": errors})
    incident = incident_services.incident_lock(incident)
    keys = list(people)
    existing = _existing_keys(incident, keys)
    stored = AffectedUser.objects.filter(incident=incident).count()
    new = len(keys) - len(existing)
    limit = conf.affected_users_max()
    if stored + new > limit:
        raise ApplicationError(f"At most {limit} affected users per incident.",
                               {"users": [f"This import would make {stored + new}; at most {limit} per incident."]})
    sql.affected_users_upsert(incident, list(people.values()))
    return {"valid": valid, "invalid": len(parsed.errors), "created": new, "merged": valid - new,
            "total": stored + new, "errors": errors}


@transaction.atomic
def affected_user_delete(*, affected_user: AffectedUser) -> None:
    affected_user.delete()
