"""A CloudWatch alarm state change, the JSON string in an SNS notification's ``Message``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).

``AlarmArn`` is the dedup key; ALARM triggers, OK resolves, INSUFFICIENT_DATA is noted.
"""

import json

from incidents.ingestion.enums import AlertSeverity, EventAction
from incidents.ingestion.events import MAX_SUMMARY, Errors, NormalizedEvent, PayloadError, optional_str, parse_time

STATES = {"ALARM": EventAction.TRIGGER, "OK": EventAction.RESOLVE, "INSUFFICIENT_DATA": EventAction.NOTE}


def parse_alarm(message) -> list[NormalizedEvent]:
    """``message`` is the SNS ``Message`` string (or its decoded object)."""
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError as exc:
            raise PayloadError("The SNS Message is not a CloudWatch alarm.", {"Message": ["is not JSON"]}) from exc
    if not isinstance(message, dict):
        raise PayloadError("The SNS Message is not a CloudWatch alarm.", {"Message": ["must be a JSON object"]})
    errors = Errors()
    values = {key: optional_str(message, key, errors, path="Message.") for key in (
        "AlarmName", "AlarmDescription", "AWSAccountId", "NewStateValue", "NewStateReason", "StateChangeTime",
        "Region", "AlarmArn", "OldStateValue")}
    action = STATES.get(values["NewStateValue"])
    if action is None and "Message.NewStateValue" not in errors.errors:
        errors.add("Message.NewStateValue", "must be ALARM, OK or INSUFFICIENT_DATA")
    dedup_key = values["AlarmArn"] or ":".join(
        part for part in (values["AWSAccountId"], values["Region"], values["AlarmName"]) if part)
    if not dedup_key:
        errors.add("Message.AlarmArn", "is missing or blank")
    errors.raise_if_any("Invalid CloudWatch alarm.")
    name = values["AlarmName"] or dedup_key
    summary = f"{name}: {values['NewStateReason']}" if values["NewStateReason"] else name
    trigger = message.get("Trigger")
    return [NormalizedEvent(
        action=action, dedup_key=dedup_key[:255], summary=summary[:MAX_SUMMARY],
        source=values["Region"] or "cloudwatch", severity=AlertSeverity.CRITICAL,
        details={**{key: value for key, value in values.items() if value},
                 **({"Trigger": trigger} if isinstance(trigger, dict) else {})},
        occurred_at=parse_time(values["StateChangeTime"]),
        resend_is_noop=True,
    )]
