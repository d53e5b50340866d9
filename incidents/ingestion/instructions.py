"""What to paste into each monitor, shown with the routing key when it is created or rotated."""

from incidents.ingestion.enums import IntegrationKind

DATADOG_BODY = {
    "alert_cycle_key": "$ALERT_CYCLE_KEY",
    "alert_transition": "$ALERT_TRANSITION",
    "alert_id": "$ALERT_ID",
    "aggregation_key": "$AGGREG_KEY",
    "scope": "$ALERT_SCOPE",
    "alert_type": "$ALERT_TYPE",
    "priority": "$PRIORITY",
    "title": "$EVENT_TITLE",
    "body": "$EVENT_MSG",
    "date": "$DATE_POSIX",
    "link": "$LINK",
}

WEBHOOK_EXAMPLE = {
    "title": "Queue backlog over 10k", "status": "trigger", "dedup_key": "queue-backlog", "severity": "warning",
    "source": "worker-3", "details": {"backlog": 12345}, "links": [{"href": "https://grafana/d/queues",
                                                                    "text": "Dashboard"}],
}


def setup_for(kind: str, url: str, routing_key: str) -> dict:
    """A short recipe per kind: where the URL goes and what the monitor should send."""
    if kind == IntegrationKind.PAGERDUTY_V2:
        return {"text": "Point any PagerDuty Events API v2 client at this base URL with the routing key "
                        "(e.g. pagerduty.EventsApiV2Client(routing_key, base_url=...)).",
                "base_url": url.removesuffix("/v2/enqueue"), "routing_key": routing_key}
    if kind == IntegrationKind.ALERTMANAGER:
        return {"text": "Add a webhook receiver to alertmanager.yml (send_resolved: true; basic_auth if set).",
                "alertmanager_yml": f"receivers:\n  - name: foghorn\n    webhook_configs:\n      - url: {url}\n"
                                    "        send_resolved: true\n"}
    if kind == IntegrationKind.DATADOG:
        return {"text": "Datadog → Integrations → Webhooks: add this URL with this JSON payload, then mention "
                        "the webhook (@webhook-foghorn) in your monitors. Datadog's default payload works too.",
                "payload": DATADOG_BODY}
    if kind == IntegrationKind.CLOUDWATCH:
        return {"text": "Create an HTTPS subscription to your alarms' SNS topic with this URL (raw message "
                        "delivery off). Foghorn confirms the subscription and verifies every signature."}
    if kind == IntegrationKind.HEARTBEAT:
        return {"text": "Have the job GET or POST this URL every interval; a late beat opens an incident.",
                "example": f"curl -fsS {url}"}
    return {"text": "POST JSON to this URL (answer 202 with the dedup_key).", "example": WEBHOOK_EXAMPLE}
