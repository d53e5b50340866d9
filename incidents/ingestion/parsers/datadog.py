"""Datadog webhooks (https://docs.datadoghq.com/integrations/webhooks/).

The body to paste into Datadog's webhook integration is ``instructions.DATADOG_BODY`` (the
``$VARIABLES`` are Datadog's; the API shows it with the routing key, the ingestion README too).

The alert cycle key (one per trigger → recovery cycle of a monitor) is the dedup key;
``Recovered`` resolves. Datadog's default body (``title``, ``body``, ``id``, ``event_type``,
``date``…) is accepted too: its transition is read from the title's ``[Triggered]`` /
``[Recovered]`` prefix and the rest of the title is the dedup key.
"""

import hashlib
import re

from incidents.ingestion.enums import AlertSeverity, EventAction
from incidents.ingestion.events import (
    MAX_SUMMARY,
    Errors,
    NormalizedEvent,
    PayloadError,
    optional_str,
    parse_time,
)

TEMPLATE_FIELDS = ("alert_cycle_key", "alert_transition", "alert_id", "aggregation_key", "scope", "alert_type",
                   "priority", "title", "body", "link")
RESOLVING = {"recovered", "success"}
TRANSITION_SEVERITY = {
    "triggered": AlertSeverity.CRITICAL, "re-triggered": AlertSeverity.CRITICAL, "renotify": AlertSeverity.CRITICAL,
    "warn": AlertSeverity.WARNING, "re-warn": AlertSeverity.WARNING,
    "no data": AlertSeverity.ERROR, "re-no data": AlertSeverity.ERROR,
}
TYPE_SEVERITY = {"error": AlertSeverity.CRITICAL, "warning": AlertSeverity.WARNING, "info": AlertSeverity.INFO}
PREFIX = re.compile(r"^\s*((?:\[[^\]]*\]\s*)+)")


def _template(body: dict, errors: Errors) -> NormalizedEvent:
    values = {key: optional_str(body, key, errors) for key in TEMPLATE_FIELDS}
    date = body.get("date")
    if date is not None and not isinstance(date, str | int | float):
        errors.add("date", "must be POSIX seconds")
    errors.raise_if_any("Invalid Datadog payload.")
    transition = values["alert_transition"].strip().lower()
    alert_type = values["alert_type"].strip().lower()
    dedup_key = (values["alert_cycle_key"] or values["aggregation_key"]
                 or f"{values['alert_id']}:{values['scope']}".strip(":"))
    if not dedup_key:
        raise PayloadError("Invalid Datadog payload.", {"alert_cycle_key": ["is missing or blank"]})
    action = EventAction.RESOLVE if transition in RESOLVING or alert_type == "success" else EventAction.TRIGGER
    severity = TRANSITION_SEVERITY.get(transition) or TYPE_SEVERITY.get(alert_type, AlertSeverity.CRITICAL)
    return NormalizedEvent(
        action=action, dedup_key=dedup_key[:255], summary=(values["title"] or dedup_key)[:MAX_SUMMARY],
        source=values["scope"] or "datadog", severity=severity,
        details={key: value for key, value in values.items() if value and key != "title"},
        links=[{"href": values["link"], "text": "Datadog"}] if values["link"] else [],
        occurred_at=parse_time(date),
    )


def _default_body(body: dict, errors: Errors) -> NormalizedEvent:
    title = optional_str(body, "title", errors, max_length=MAX_SUMMARY)
    text = optional_str(body, "body", errors)
    for key in ("event_type", "last_updated"):
        optional_str(body, key, errors)
    if body.get("id") is not None and not isinstance(body["id"], str | int):
        errors.add("id", "must be a string")
    if not title.strip():
        errors.add("title", "is missing or blank")
    errors.raise_if_any("Invalid Datadog payload.")
    match = PREFIX.match(title)
    tags = [tag.strip().lower() for tag in re.findall(r"\[([^\]]*)\]", match.group(1))] if match else []
    name = title[match.end():].strip() if match else title.strip()
    action = EventAction.RESOLVE if RESOLVING & set(tags) else EventAction.TRIGGER
    severity = next((TRANSITION_SEVERITY[tag] for tag in tags if tag in TRANSITION_SEVERITY), AlertSeverity.CRITICAL)
    key = name or title
    dedup_key = key if len(key) <= 255 else hashlib.sha256(key.encode()).hexdigest()
    return NormalizedEvent(
        action=action, dedup_key=dedup_key, summary=title, source="datadog", severity=severity,
        details={"body": text, "event_type": body.get("event_type"), "id": body.get("id")},
        occurred_at=parse_time(body.get("date")),
    )


def parse(body) -> list[NormalizedEvent]:
    if not isinstance(body, dict):
        raise PayloadError("The body must be a JSON object.", {"": ["Expected a Datadog webhook object."]})
    errors = Errors()
    if any(key in body for key in ("alert_cycle_key", "alert_transition", "aggregation_key", "alert_id")):
        return [_template(body, errors)]
    return [_default_body(body, errors)]
