"""Incident metrics (plan 8.1, 8.2) computed in the database: one aggregate query for the overall
figures and targets, one for the groups, one for counts by month and severity, one for the root
causes, two for mitigation effectiveness. Drills are excluded everywhere."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Avg, Count, F, Max, Q
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter
from django.utils import timezone

from incidents.models import Incident
from postmortems.enums import FINISHED_ITEM_STATUSES, OPEN_ITEM_STATUSES, ActionItemStatus
from postmortems.models import ActionItem
from postmortems.selectors.sql import Percentiles, SecondsBetween, has_percentiles, sort_memory
from tenancy.errors import ApplicationError
from tenancy.models import Organization

GROUPS = ("severity", "service", "month", "quarter")
DEFAULT_WINDOW = timedelta(days=90)
P0_PER_QUARTER_TARGET = 2  # plan 8.1: fewer than 2 P0 a quarter
MTTD_TARGET_SECONDS = 5 * 60  # plan 8.1: MTTD < 5 min
MTTR_P0_TARGET_SECONDS = 30 * 60  # plan 8.1: MTTR < 30 min (P0)
REPEATS_LISTED = 50


@dataclass(frozen=True)
class Measure:
    name: str
    start: str
    end: str
    formula: str
    meaning: str


MEASURES = {
    "mttd": Measure("MTTD (plan)", "detected_at", "acknowledged_at", "acknowledged_at - detected_at",
                    "The plan's definition (8.1): first alert → acknowledgment."),
    "mttr": Measure("MTTR (plan)", "detected_at", "resolved_at", "resolved_at - detected_at",
                    "The plan's definition (8.1): detection → resolution."),
    "mtta": Measure("MTTA", "created_at", "acknowledged_at", "acknowledged_at - created_at",
                    "Common: incident triggered (opened in Foghorn) → acknowledgment."),
    "mttm": Measure("MTTM", "detected_at", "mitigated_at", "mitigated_at - detected_at",
                    "Common: detection → mitigation (first move to monitoring)."),
    "impact_to_detection": Measure("Time to detect from impact", "impact_started_at", "detected_at",
                                   "detected_at - impact_started_at",
                                   "Common MTTD: impact start → detection, where the impact start is known."),
    "impact_to_resolution": Measure("Time to resolve from impact", "impact_started_at", "resolved_at",
                                    "resolved_at - impact_started_at",
                                    "Impact start → resolution, where the impact start is known."),
}


def definitions() -> dict:
    return {key: {"name": m.name, "formula": m.formula, "meaning": m.meaning, "unit": "seconds"}
            for key, m in MEASURES.items()}


def window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    until = until or timezone.now()
    try:
        since = since or until - DEFAULT_WINDOW
    except OverflowError as exc:
        raise ApplicationError("until is too early.", {"until": ["Too early for the default window."]}) from exc
    if since >= until:
        raise ApplicationError("since must be before until.", {"since": ["Must be before until."]})
    return since, until


def incidents_in(organization: Organization, since: datetime, until: datetime):
    return Incident.objects.filter(organization=organization, is_drill=False, detected_at__gte=since,
                                   detected_at__lt=until)


def _aggregates(prefix: str = "", filter_q: Q | None = None) -> dict:
    aggregates = {}
    for key, measure in MEASURES.items():
        seconds = SecondsBetween(F(measure.end), F(measure.start))
        present = Q(**{f"{measure.end}__isnull": False, f"{measure.start}__isnull": False})
        if filter_q is not None:
            present &= filter_q
        aggregates[f"{prefix}{key}__n"] = Count("pk", filter=present)
        aggregates[f"{prefix}{key}__mean"] = Avg(seconds, filter=filter_q)
        if has_percentiles():
            aggregates[f"{prefix}{key}__pct"] = Percentiles(seconds, [0.5, 0.9], filter=filter_q)
    return aggregates


def _stats(row: dict, prefix: str = "") -> dict:
    stats = {}
    for key in MEASURES:
        percentiles = row.get(f"{prefix}{key}__pct") or [None, None]
        stats[key] = {"n": row[f"{prefix}{key}__n"], "mean": row[f"{prefix}{key}__mean"],
                      "median": percentiles[0], "p90": percentiles[1]}
    return stats


def _group_key(group_by: str, row: dict):
    if group_by == "severity":
        return row["severity__name"]
    if group_by == "service":
        return row["service__name"] or "(no service)"
    period = row["period"]
    if group_by == "month":
        return f"{period:%Y-%m}"
    return f"{period.year}-Q{(period.month - 1) // 3 + 1}"


def _grouped(incidents, group_by: str) -> list[dict]:
    if group_by not in GROUPS:
        raise ApplicationError("Unknown grouping.", {"group_by": [f"Choose one of: {', '.join(GROUPS)}."]})
    fields = {"severity": ("severity__name", "severity__rank"), "service": ("service__name",)}.get(group_by)
    if fields is None:
        incidents = incidents.annotate(period=(TruncMonth if group_by == "month" else TruncQuarter)("detected_at"))
        fields = ("period",)
    rows = incidents.values(*fields).annotate(count=Count("pk"), **_aggregates()).order_by(*fields)
    return [{"key": _group_key(group_by, row), "count": row["count"], **_stats(row)} for row in rows]


def _quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def _months_between(since: datetime, until: datetime) -> list[str]:
    until = until - timedelta(microseconds=1)  # until is exclusive
    months, year, month = [], since.year, since.month
    while (year, month) <= (until.year, until.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def counts_by_month(incidents, since: datetime, until: datetime) -> tuple[list[dict], list[dict]]:
    """Counts by severity per month, and the P0 count per quarter against the plan's target."""
    rows = (incidents.annotate(month=TruncMonth("detected_at")).values("month", "severity__name", "severity__rank")
            .annotate(count=Count("pk")).order_by("month", "severity__rank"))
    per_month: dict[str, dict[str, int]] = {month: {} for month in _months_between(since, until)}
    p0: dict[str, int] = defaultdict(int)
    for row in rows:
        month = f"{row['month']:%Y-%m}"
        per_month.setdefault(month, {})[row["severity__name"]] = row["count"]
        if row["severity__rank"] == 0:
            p0[_quarter(month)] += row["count"]
    quarters = sorted({_quarter(month) for month in per_month})
    return ([{"month": month, "by_severity": counts, "total": sum(counts.values())}
             for month, counts in per_month.items()],
            [{"quarter": quarter, "count": p0[quarter], "target": f"< {P0_PER_QUARTER_TARGET}",
              "met": p0[quarter] < P0_PER_QUARTER_TARGET} for quarter in quarters])


def category_of():
    """An incident's root-cause category: its post-mortem's when set, else the one given at resolution."""
    return Coalesce("postmortem__root_cause_category__name", "root_cause_category__name")


def top_root_causes(incidents, limit: int = 5) -> list[dict]:
    rows = (incidents.annotate(category=category_of()).exclude(category__isnull=True).values("category")
            .annotate(count=Count("pk")).order_by("-count", "category")[:limit])
    return [{"category": row["category"], "count": row["count"]} for row in rows]


def _finished_pairs(organization: Organization, until: datetime) -> dict[tuple, datetime]:
    """(service, category) → the earliest moment one of its incidents had every action item finished."""
    rows = (ActionItem.objects.filter(organization=organization, incident__is_drill=False,
                                      incident__service__isnull=False, incident__detected_at__lt=until)
            .annotate(category=Coalesce("incident__postmortem__root_cause_category_id",
                                        "incident__root_cause_category_id"))
            .exclude(category__isnull=True)
            .values("incident_id", "incident__service_id", "category")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_ITEM_STATUSES)),
                      done=Count("pk", filter=Q(status=ActionItemStatus.DONE)), last=Max("done_at"))
            .filter(open=0, done__gt=0))
    pairs: dict[tuple, datetime] = {}
    for row in rows:
        pair = (row["incident__service_id"], row["category"])
        pairs[pair] = min(pairs.get(pair, row["last"]), row["last"])
    return pairs


def mitigation(organization: Organization, incidents, since: datetime, until: datetime,
               today: date | None = None) -> dict:
    """Share of action items (due in the window, due by today) done by their due date; incidents that
    repeated on the same service and root-cause category after the previous one's items were all done."""
    today = today or timezone.localdate()
    items = ActionItem.objects.filter(organization=organization, incident__is_drill=False,
                                      due_date__gte=since.date(), due_date__lt=until.date(), due_date__lte=today)
    counts = items.aggregate(due=Count("pk"), done_by_due=Count("pk", filter=Q(
        status=ActionItemStatus.DONE, done_at__date__lte=F("due_date"))))
    pairs = _finished_pairs(organization, until)
    repeats, repeat_count = [], 0
    if pairs:
        condition = Q()
        for (service_id, category_id), finished_at in pairs.items():
            condition |= Q(service_id=service_id, category_id=category_id, detected_at__gt=finished_at)
        repeated = (incidents.filter(service_id__in={service_id for service_id, _category in pairs},
                                     detected_at__gt=min(pairs.values()))
                    .annotate(category_id=Coalesce("postmortem__root_cause_category_id", "root_cause_category_id"))
                    .filter(condition))
        repeat_count = repeated.count()
        repeats = list(repeated.order_by("detected_at").values_list("number", flat=True)[:REPEATS_LISTED])
    share = counts["done_by_due"] / counts["due"] if counts["due"] else None
    return {"due": counts["due"], "done_by_due": counts["done_by_due"], "share_done_by_due": share,
            "formula": "items done on or before their due date ÷ items due in the window (by today)",
            "finished_statuses": list(FINISHED_ITEM_STATUSES),
            "repeat_incidents": repeat_count, "repeat_incident_numbers": repeats}


def targets(overall: dict, p0_mttr_mean, per_quarter: list[dict]) -> list[dict]:
    mttd = overall["mttd"]["mean"]
    return [
        {"key": "mttd", "name": "MTTD (mean)", "value": mttd, "unit": "seconds", "target": "< 5 min",
         "met": None if mttd is None else mttd < MTTD_TARGET_SECONDS},
        {"key": "mttr_p0", "name": "MTTR of P0 (mean)", "value": p0_mttr_mean, "unit": "seconds",
         "target": "< 30 min", "met": None if p0_mttr_mean is None else p0_mttr_mean < MTTR_P0_TARGET_SECONDS},
        {"key": "p0_per_quarter", "name": "P0 incidents per quarter (most in one quarter)", "unit": "count",
         "value": max((row["count"] for row in per_quarter), default=0), "target": f"< {P0_PER_QUARTER_TARGET}",
         "met": all(row["met"] for row in per_quarter)},
    ]


def metrics(*, organization: Organization, since: datetime | None = None, until: datetime | None = None,
            group_by: str | None = None) -> dict:
    """Every metric of the plan for incidents detected in [since, until) (default: the last 90 days).
    The shape is documented in ``postmortems/README.md``."""
    with transaction.atomic():
        sort_memory()
        return _metrics(organization, since, until, group_by)


def _metrics(organization: Organization, since: datetime | None, until: datetime | None,
             group_by: str | None) -> dict:
    since, until = window(since, until)
    incidents = incidents_in(organization, since, until)
    row = incidents.aggregate(count=Count("pk"), **_aggregates(),
                              p0_mttr=Avg(SecondsBetween(F("resolved_at"), F("detected_at")),
                                          filter=Q(severity__rank=0)))
    overall = _stats(row)
    per_month, per_quarter = counts_by_month(incidents, since, until)
    return {
        "since": since, "until": until, "group_by": group_by, "drills_excluded": True,
        "percentiles": has_percentiles(), "definitions": definitions(),
        "overall": {"count": row["count"], **overall},
        "groups": _grouped(incidents, group_by) if group_by else None,
        "counts_by_month": per_month, "p0_per_quarter": per_quarter,
        "targets": targets(overall, row["p0_mttr"], per_quarter),
        "top_root_causes": top_root_causes(incidents),
        "mitigation": mitigation(organization, incidents, since, until),
    }
