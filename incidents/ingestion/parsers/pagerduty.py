"""PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/) and its
Change Events."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from incidents.ingestion.enums import ALERT_SEVERITIES, EventAction
from incidents.ingestion.events import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    Errors,
    NormalizedEvent,
    PayloadError,
    optional_list,
    optional_object,
    optional_str,
    parse_time,
    required_str,
)

ACTIONS = (EventAction.TRIGGER, EventAction.ACKNOWLEDGE, EventAction.RESOLVE)


def routing_key_of(body) -> str | None:
    value = body.get("routing_key") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def parse(body) -> list[NormalizedEvent]:
    if not isinstance(body, dict):
        raise PayloadError("Event object is invalid", {"": ["Event object must be a JSON object"]})
    errors = Errors()
    action, dedup_key, links = _envelope(body, errors)
    if action != EventAction.TRIGGER:
        errors.raise_if_any()
        return [NormalizedEvent(action=action, dedup_key=dedup_key)]
    return [_trigger(body, dedup_key, links, errors)]


def _envelope(body: dict, errors: Errors) -> tuple:
    action = body.get("event_action")
    if action not in ACTIONS:
        errors.add("event_action", "must be one of trigger, acknowledge, resolve")
    dedup_key = optional_str(body, "dedup_key", errors, max_length=MAX_DEDUP_KEY)
    if action in (EventAction.ACKNOWLEDGE, EventAction.RESOLVE) and not dedup_key and "dedup_key" not in errors.errors:
        errors.add("dedup_key", "is required for acknowledge and resolve events")
    for key in ("client", "client_url"):
        optional_str(body, key, errors)
    links = optional_list(body, "links", errors)
    optional_list(body, "images", errors)
    return action, dedup_key, links


def _trigger(body: dict, dedup_key: str, links: list, errors: Errors) -> NormalizedEvent:
    payload = body.get("payload")
    if not isinstance(payload, dict):
        errors.add("payload", "is missing or not an object")
        errors.raise_if_any()
    summary = required_str(payload, "summary", errors, path="payload.", max_length=MAX_SUMMARY)
    source = required_str(payload, "source", errors, path="payload.", max_length=MAX_SUMMARY)
    severity = payload.get("severity")
    if severity not in ALERT_SEVERITIES:
        errors.add("payload.severity", "must be one of critical, error, warning, info")
    for key in ("component", "group", "class"):
        optional_str(payload, key, errors, path="payload.", max_length=MAX_SUMMARY)
    timestamp = optional_str(payload, "timestamp", errors, path="payload.")
    occurred_at = parse_time(timestamp) if timestamp else None
    if timestamp and occurred_at is None:
        errors.add("payload.timestamp", "must be an ISO 8601 time")
    errors.raise_if_any()

    details = {key: payload[key] for key in ("component", "group", "class", "custom_details") if key in payload}
    for key in ("client", "client_url", "images"):
        if body.get(key):
            details[key] = body[key]
    generated = not dedup_key
    return NormalizedEvent(
        action=EventAction.TRIGGER,
        dedup_key=dedup_key or uuid.uuid4().hex,
        dedup_key_generated=generated,
        summary=summary,
        source=source,
        severity=severity,
        details=details,
        links=links,
        occurred_at=occurred_at,
    )


@dataclass(frozen=True)
class ChangeFields:
    """A PagerDuty Change Event (https://developer.pagerduty.com/docs/events-api-v2/send-change-events/)."""

    summary: str
    source: str
    occurred_at: datetime | None
    custom_details: dict
    links: list


def parse_change(body) -> ChangeFields:
    """``{"routing_key", "payload": {"summary", "timestamp", "source", "custom_details"}, "links"}``."""
    if not isinstance(body, dict):
        raise PayloadError("Event object is invalid", {"": ["Event object must be a JSON object"]})
    errors = Errors()
    payload = body.get("payload")
    if not isinstance(payload, dict):
        errors.add("payload", "is missing or not an object")
        errors.raise_if_any()
    summary = required_str(payload, "summary", errors, path="payload.", max_length=MAX_SUMMARY)
    source = optional_str(payload, "source", errors, path="payload.", max_length=255)
    timestamp = optional_str(payload, "timestamp", errors, path="payload.")
    occurred_at = parse_time(timestamp) if timestamp else None
    if timestamp and occurred_at is None:
        errors.add("payload.timestamp", "must be an ISO 8601 time")
    custom_details = optional_object(payload, "custom_details", errors, path="payload.")
    links = optional_list(body, "links", errors)
    for index, link in enumerate(links):
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            errors.add(f"links[{index}]", "must be an object with href")
    optional_list(body, "images", errors)
    errors.raise_if_any()
    return ChangeFields(summary=summary, source=source, occurred_at=occurred_at, custom_details=custom_details,
                        links=[{"href": link["href"], "text": str(link.get("text") or link["href"])}
                               for link in links])
