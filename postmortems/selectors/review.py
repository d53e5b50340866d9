"""The monthly review (plan 8.2): counts by severity, the most common root causes, the effectiveness
of mitigations, against the previous month and the plan's targets."""

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from django.utils import timezone

from incidents.models import Severity
from postmortems.enums import OPEN_ITEM_STATUSES
from postmortems.models import ActionItem
from postmortems.selectors import figures as m
from tenancy.errors import ApplicationError
from tenancy.models import Organization


def month_bounds(month: str, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of ``month`` in ``zone``; the review also reads
    the month before, so both neighbours must be representable (years 0001 and 9999 are refused, not
    a 500)."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=zone)
        end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
        _previous(start).astimezone(UTC), end.astimezone(UTC)  # both neighbours exist in UTC too
    except (TypeError, ValueError, OverflowError) as exc:
        raise ApplicationError("A month as YYYY-MM.", {"month": ["Use YYYY-MM, e.g. 2026-10."]}) from exc
    return start, end


def _previous(start: datetime) -> datetime:
    return start.replace(year=start.year - 1, month=12) if start.month == 1 else start.replace(month=start.month - 1)


def monthly_review(*, organization: Organization, month: str) -> dict:
    start, end = month_bounds(month, ZoneInfo(organization.time_zone))  # the org's month, as the metrics
    figures = m.metrics(organization=organization, since=start, until=end)
    counts = figures["counts_by_month"][0]["by_severity"] if figures["counts_by_month"] else {}
    previous_total = m.incidents_in(organization, _previous(start), start).count()
    total = figures["overall"]["count"]
    trend = "down" if total < previous_total else "up" if total > previous_total else "flat"
    severities = organization_severities(organization)
    overdue = ActionItem.objects.filter(organization=organization, status__in=OPEN_ITEM_STATUSES,
                                        incident__is_drill=False, due_date__lt=timezone.localdate()).count()
    return {
        "organization": organization.name, "month": month, "total": total, "previous_total": previous_total,
        "trend": trend, "goal": "Decrease incidents over time (plan 8.2).",
        "incident_count_by_severity": [{"severity": name, "count": counts.get(name, 0)} for name in severities],
        "top_root_causes": figures["top_root_causes"],
        "mitigation": figures["mitigation"], "overdue_action_items": overdue,
        "mttd": figures["overall"]["mttd"], "mttr": figures["overall"]["mttr"],
        "targets": [target for target in figures["targets"] if target["key"] != "p0_per_quarter"]
        + [{"key": "p0_this_month", "name": "P0 incidents this month", "unit": "count",
            "value": counts.get("P0", 0), "target": f"< {m.P0_PER_QUARTER_TARGET} a quarter",
            "met": counts.get("P0", 0) < m.P0_PER_QUARTER_TARGET}],
    }


def organization_severities(organization: Organization) -> list[str]:
    return list(Severity.objects.filter(organization=organization).order_by("rank").values_list("name", flat=True))
