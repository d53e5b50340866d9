"""One parser per sender format: ``parse(body) -> list[NormalizedEvent]`` or ``PayloadError``.

Parsers are pure (no database): they only read the decoded JSON body.
"""

from incidents.ingestion.enums import IntegrationKind
from incidents.ingestion.parsers import alertmanager, cloudwatch, datadog, pagerduty, webhook

PARSERS = {
    IntegrationKind.PAGERDUTY_V2: pagerduty.parse,
    IntegrationKind.ALERTMANAGER: alertmanager.parse,
    IntegrationKind.DATADOG: datadog.parse,
    IntegrationKind.CLOUDWATCH: cloudwatch.parse_alarm,
    IntegrationKind.WEBHOOK: webhook.parse,
}

__all__ = ["PARSERS"]
