"""Foghorn's generic JSON webhook, for anything that can POST JSON.

    POST /integrations/v1/webhook/<routing_key>/
    {
      "title": "Queue backlog over 10k",        required for a trigger (≤ 1024 characters)
      "status": "trigger",                      trigger | acknowledge | resolve (default trigger;
                                                firing / resolved are accepted too)
      "dedup_key": "queue-backlog",             optional for a trigger (generated and returned);
                                                required to acknowledge or resolve
      "severity": "warning",                    critical | error | warning | info (default critical)
      "source": "worker-3",                     optional
      "details": {"backlog": 12345},            optional object, shown on the alert
      "links": [{"href": "https://…", "text": "Dashboard"}]   optional
    }

Answer: 202 ``{"status": "success", "message": "Event processed", "dedup_key": "…"}``.
"""

import uuid

from incidents.ingestion.enums import ALERT_SEVERITIES, AlertSeverity, EventAction
from incidents.ingestion.events import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    Errors,
    NormalizedEvent,
    PayloadError,
    optional_list,
    optional_object,
    optional_str,
)

STATUSES = {
    "trigger": EventAction.TRIGGER, "triggered": EventAction.TRIGGER, "firing": EventAction.TRIGGER,
    "acknowledge": EventAction.ACKNOWLEDGE, "acknowledged": EventAction.ACKNOWLEDGE,
    "resolve": EventAction.RESOLVE, "resolved": EventAction.RESOLVE,
}


def _links(raw: list, errors: Errors) -> list:
    links = []
    for index, link in enumerate(raw):
        if isinstance(link, str):
            links.append({"href": link, "text": link})
        elif isinstance(link, dict) and isinstance(link.get("href"), str):
            links.append({"href": link["href"], "text": str(link.get("text") or link["href"])})
        else:
            errors.add(f"links[{index}]", "must be a URL or an object with href")
    return links


def parse(body) -> list[NormalizedEvent]:
    if not isinstance(body, dict):
        raise PayloadError("The body must be a JSON object.", {"": ["Expected a JSON object."]})
    errors = Errors()
    status = body.get("status", "trigger")
    action = STATUSES.get(status) if isinstance(status, str) else None
    if action is None:
        errors.add("status", "must be trigger, acknowledge or resolve")
    title = optional_str(body, "title", errors, max_length=MAX_SUMMARY)
    dedup_key = optional_str(body, "dedup_key", errors, max_length=MAX_DEDUP_KEY)
    severity = body.get("severity", AlertSeverity.CRITICAL)
    if severity not in ALERT_SEVERITIES:
        errors.add("severity", "must be one of critical, error, warning, info")
    source = optional_str(body, "source", errors, max_length=255)
    details = optional_object(body, "details", errors)
    links = _links(optional_list(body, "links", errors), errors)
    if action == EventAction.TRIGGER and not title.strip() and "title" not in errors.errors:
        errors.add("title", "is missing or blank")
    if action in (EventAction.ACKNOWLEDGE, EventAction.RESOLVE) and not dedup_key and "dedup_key" not in errors.errors:
        errors.add("dedup_key", "is required to acknowledge or resolve")
    errors.raise_if_any("Invalid webhook event.")
    return [NormalizedEvent(
        action=action, dedup_key=dedup_key or uuid.uuid4().hex, dedup_key_generated=not dedup_key,
        summary=title, source=source or "webhook", severity=severity, details=details, links=links,
    )]
