"""Prometheus Alertmanager webhook, payload version 4
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).

Each alert's ``fingerprint`` is its dedup key. Alertmanager re-sends the whole group every
``group_interval``, so a firing alert already firing changes nothing (``resend_is_noop``).
"""

import hashlib
import json

from incidents.ingestion.enums import AlertSeverity, EventAction
from incidents.ingestion.events import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    Errors,
    NormalizedEvent,
    PayloadError,
    optional_object,
    parse_time,
)

SEVERITY_WORDS = {
    "critical": AlertSeverity.CRITICAL, "page": AlertSeverity.CRITICAL, "high": AlertSeverity.CRITICAL,
    "error": AlertSeverity.ERROR, "major": AlertSeverity.ERROR,
    "warning": AlertSeverity.WARNING, "warn": AlertSeverity.WARNING, "minor": AlertSeverity.WARNING,
    "low": AlertSeverity.WARNING, "info": AlertSeverity.INFO, "none": AlertSeverity.INFO,
}
STATUSES = {"firing": EventAction.TRIGGER, "resolved": EventAction.RESOLVE}


def _string_map(value: dict, path: str, errors: Errors) -> dict:
    if any(not isinstance(k, str) or not isinstance(v, str) for k, v in value.items()):
        errors.add(path, "must map strings to strings")
        return {}
    return value


def _fingerprint(labels: dict) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def _summary(labels: dict, annotations: dict) -> str:
    name = labels.get("alertname", "")
    text = annotations.get("summary") or annotations.get("description") or annotations.get("message") or ""
    if name and text:
        return f"[{name}] {text}"[:MAX_SUMMARY]
    return (name or text or "Alertmanager alert")[:MAX_SUMMARY]


def _alert(index: int, alert, body: dict, errors: Errors) -> NormalizedEvent | None:
    path = f"alerts[{index}]"
    if not isinstance(alert, dict):
        errors.add(path, "must be an object")
        return None
    status = alert.get("status")
    action = STATUSES.get(status) if isinstance(status, str) else None
    if action is None:
        errors.add(f"{path}.status", "must be firing or resolved")
    labels = _string_map(optional_object(alert, "labels", errors, path=f"{path}."), f"{path}.labels", errors)
    annotations = _string_map(optional_object(alert, "annotations", errors, path=f"{path}."),
                              f"{path}.annotations", errors)
    fingerprint = alert.get("fingerprint")
    if fingerprint is not None and (not isinstance(fingerprint, str) or len(fingerprint) > MAX_DEDUP_KEY):
        errors.add(f"{path}.fingerprint", "must be a string")
    for key in ("startsAt", "endsAt", "generatorURL"):
        if alert.get(key) is not None and not isinstance(alert.get(key), str):
            errors.add(f"{path}.{key}", "must be a string")
    if action is None or f"{path}.fingerprint" in errors.errors or path + ".labels" in errors.errors:
        return None
    links = [{"href": alert["generatorURL"], "text": "Source"}] if alert.get("generatorURL") else []
    return NormalizedEvent(
        action=action,
        dedup_key=fingerprint or _fingerprint(labels),
        summary=_summary(labels, annotations),
        source=labels.get("instance") or labels.get("job") or str(body.get("externalURL") or "alertmanager")[:255],
        severity=SEVERITY_WORDS.get(labels.get("severity", "").lower(), AlertSeverity.CRITICAL),
        details={"labels": labels, "annotations": annotations, "startsAt": alert.get("startsAt"),
                 "endsAt": alert.get("endsAt"), "receiver": body.get("receiver"), "groupKey": body.get("groupKey")},
        links=links,
        occurred_at=parse_time(alert.get("startsAt")),
        resend_is_noop=True,
    )


def parse(body) -> list[NormalizedEvent]:
    if not isinstance(body, dict):
        raise PayloadError("The body must be a JSON object.", {"": ["Expected an Alertmanager webhook object."]})
    errors = Errors()
    version = body.get("version")
    if version is not None and version != "4":
        errors.add("version", "only webhook payload version 4 is supported")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        errors.add("alerts", "must be a list")
        errors.raise_if_any("Invalid Alertmanager payload.")
    for key in ("receiver", "status", "groupKey", "externalURL"):
        if body.get(key) is not None and not isinstance(body[key], str):
            errors.add(key, "must be a string")
    events = [_alert(index, alert, body, errors) for index, alert in enumerate(alerts)]
    errors.raise_if_any("Invalid Alertmanager payload.")
    return [event for event in events if event is not None]
