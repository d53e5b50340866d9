"""Incident metrics (plan 8.1, 8.2) computed in the database from the durations each incident row
stores (``Incident.detect_to_ack_seconds`` and its siblings, generated columns): one aggregate query
for the overall figures and targets, one for the groups, one pass over the window for the counts by
month and severity, the root causes and the repeats, and three small ones for the action items.
Drills are excluded everywhere."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Avg, BooleanField, Case, Count, F, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter
from django.utils import timezone

from incidents.models import Incident, RootCauseCategory, Service, Severity
from postmortems.enums import FINISHED_ITEM_STATUSES, OPEN_ITEM_STATUSES, ActionItemStatus
from postmortems.models import ActionItem
from postmortems.selectors.sql import Percentiles, has_percentiles, sort_memory
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
    field: str  # the Incident's stored duration: end - start in seconds, NULL when either is unknown
    formula: str
    meaning: str


MEASURES = {
    "mttd": Measure("MTTD (plan)", "detect_to_ack_seconds", "acknowledged_at - detected_at",
                    "The plan's definition (8.1): first alert → acknowledgment."),
    "mttr": Measure("MTTR (plan)", "detect_to_resolve_seconds", "resolved_at - detected_at",
                    "The plan's definition (8.1): detection → resolution."),
    "mtta": Measure("MTTA", "open_to_ack_seconds", "acknowledged_at - created_at",
                    "Common: incident triggered (opened in Foghorn) → acknowledgment."),
    "mttm": Measure("MTTM", "detect_to_mitigate_seconds", "mitigated_at - detected_at",
                    "Common: detection → mitigation (first move to monitoring)."),
    "impact_to_detection": Measure("Time to detect from impact", "impact_to_detect_seconds",
                                   "detected_at - impact_started_at",
                                   "Common MTTD: impact start → detection, where the impact start is known."),
    "impact_to_resolution": Measure("Time to resolve from impact", "impact_to_resolve_seconds",
                                    "resolved_at - impact_started_at",
                                    "Impact start → resolution, where the impact start is known."),
}


def definitions() -> dict:
    return {key: {"name": m.name, "formula": m.formula, "meaning": m.meaning, "unit": "seconds"}
            for key, m in MEASURES.items()}


def window(since: datetime | None, until: datetime | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[since, until) with the defaults; both must exist in ``zone`` too (the months are the org's):
    a moment at the calendar's edge is a 400 naming its field, not an overflow later."""
    until = until or timezone.now()
    try:
        since = since or until - DEFAULT_WINDOW
    except OverflowError as exc:
        raise ApplicationError("until is too early.", {"until": ["Too early for the default window."]}) from exc
    if since >= until:
        raise ApplicationError("since must be before until.", {"since": ["Must be before until."]})
    for name, moment in (("since", since), ("until", until)):
        try:
            moment.astimezone(zone)
        except OverflowError as exc:
            raise ApplicationError(f"{name} is out of range.", {name: ["Too close to the calendar's edge."]}) from exc
    return since, until


def incidents_in(organization: Organization, since: datetime, until: datetime):
    return Incident.objects.filter(organization=organization, is_drill=False, detected_at__gte=since,
                                   detected_at__lt=until)


def _aggregates() -> dict:
    aggregates = {}
    for key, measure in MEASURES.items():
        aggregates[f"{key}__n"] = Count(measure.field)
        aggregates[f"{key}__mean"] = Avg(measure.field)
        if has_percentiles():
            aggregates[f"{key}__pct"] = Percentiles(F(measure.field), [0.5, 0.9])
    return aggregates


def _stats(row: dict) -> dict:
    stats = {}
    for key in MEASURES:
        percentiles = row.get(f"{key}__pct") or [None, None]
        stats[key] = {"n": row[f"{key}__n"], "mean": row[f"{key}__mean"],
                      "median": percentiles[0], "p90": percentiles[1]}
    return stats


def _period(group_by: str, zone: ZoneInfo):
    return (TruncMonth if group_by == "month" else TruncQuarter)("detected_at", tzinfo=zone)


def _grouped(incidents, group_by: str, severities: dict, zone: ZoneInfo) -> list[dict]:
    """The measures per severity, service, month or quarter (months in the organization's time zone)."""
    if group_by == "severity":
        rows = incidents.values("severity_id").annotate(count=Count("pk"), **_aggregates())
        rows = sorted(rows, key=lambda row: severities[row["severity_id"]].rank)
        keys = [severities[row["severity_id"]].name for row in rows]
    elif group_by == "service":
        rows = list(incidents.values("service_id").annotate(count=Count("pk"), **_aggregates()))
        names = dict(Service.objects.filter(pk__in=[row["service_id"] for row in rows]).values_list("pk", "name"))
        rows.sort(key=lambda row: (row["service_id"] is None, names.get(row["service_id"], "")))
        keys = [names.get(row["service_id"]) or "(no service)" for row in rows]
    else:
        rows = list(incidents.annotate(period=_period(group_by, zone)).values("period")
                    .annotate(count=Count("pk"), **_aggregates()).order_by("period"))
        keys = [f"{row['period']:%Y-%m}" if group_by == "month"
                else f"{row['period'].year}-Q{(row['period'].month - 1) // 3 + 1}" for row in rows]
    return [{"key": key, "count": row["count"], **_stats(row)} for key, row in zip(keys, rows, strict=True)]


def _quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def _months_between(since: datetime, until: datetime, zone: ZoneInfo) -> list[str]:
    since, until = since.astimezone(zone), (until - timedelta(microseconds=1)).astimezone(zone)  # until: exclusive
    months, year, month = [], since.year, since.month
    while (year, month) <= (until.year, until.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def category_id():
    """An incident's root-cause category: its post-mortem's when set, else the one given at resolution."""
    return Coalesce("postmortem__root_cause_category_id", "root_cause_category_id")


def _repeats(pairs: dict[tuple, datetime]) -> Q:
    """Incidents (annotated with ``category``) on a (service, category) after that pair's items were done."""
    condition = Q()
    for (service_id, category), finished_at in pairs.items():
        condition |= Q(service_id=service_id, category=category, detected_at__gt=finished_at)
    return condition


def _breakdown(incidents, zone: ZoneInfo, pairs: dict[tuple, datetime]) -> list[dict]:
    """One pass over the window: the incidents counted by month (in the organization's time zone),
    severity, root-cause category and whether they repeat a finished pair — a few hundred rows
    at most, from which the counts by month, the top causes and the repeat count are summed."""
    repeat = (Case(When(_repeats(pairs), then=Value(True)), default=Value(False), output_field=BooleanField())
              if pairs else Value(False))
    return list(incidents.annotate(month=TruncMonth("detected_at", tzinfo=zone), category=category_id(),
                                   repeat=repeat)
                .values("month", "severity_id", "category", "repeat").annotate(count=Count("pk")).order_by())


def counts_by_month(rows: list[dict], severities: dict, months: list[str]) -> tuple[list[dict], list[dict]]:
    """Counts by severity per month, and the P0 count per quarter against the plan's target."""
    per_month: dict[str, dict[int, int]] = {month: defaultdict(int) for month in months}
    p0: dict[str, int] = defaultdict(int)
    for row in rows:
        month, severity = f"{row['month']:%Y-%m}", severities[row["severity_id"]]
        per_month.setdefault(month, defaultdict(int))[severity.pk] += row["count"]
        if severity.rank == 0:
            p0[_quarter(month)] += row["count"]
    quarters = sorted({_quarter(month) for month in per_month})
    by_rank = sorted(severities.values(), key=lambda severity: severity.rank)
    return ([{"month": month, "by_severity": {s.name: counts[s.pk] for s in by_rank if counts.get(s.pk)},
              "total": sum(counts.values())} for month, counts in sorted(per_month.items())],
            [{"quarter": quarter, "count": p0[quarter], "target": f"< {P0_PER_QUARTER_TARGET}",
              "met": p0[quarter] < P0_PER_QUARTER_TARGET} for quarter in quarters])


def top_root_causes(rows: list[dict], limit: int = 5) -> list[dict]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["category"] is not None:
            counts[row["category"]] += row["count"]
    names = dict(RootCauseCategory.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    ranked = sorted(((names[pk], count) for pk, count in counts.items()), key=lambda pair: (-pair[1], pair[0]))
    return [{"category": name, "count": count} for name, count in ranked[:limit]]


def _finished_pairs(organization: Organization, until: datetime) -> dict[tuple, datetime]:
    """(service, category) → the earliest moment one of its incidents had every action item finished
    (its last item's ``done_at``). Only the incidents whose items are all finished are read."""
    finished = (ActionItem.objects.filter(organization=organization).values("incident_id")
                .annotate(open=Count("pk", filter=Q(status__in=OPEN_ITEM_STATUSES)),
                          done=Count("pk", filter=Q(status=ActionItemStatus.DONE)))
                .filter(open=0, done__gt=0).values("incident_id"))
    last_done = (ActionItem.objects.filter(incident=OuterRef("pk")).order_by().values("incident")
                 .annotate(last=Max("done_at")).values("last"))
    rows = (Incident.objects.filter(organization=organization, pk__in=finished, is_drill=False,
                                    service__isnull=False, detected_at__lt=until)
            .annotate(category=category_id(), last=Subquery(last_done)).exclude(category__isnull=True)
            .values("service_id", "category").annotate(finished_at=Min("last")).order_by())
    return {(row["service_id"], row["category"]): row["finished_at"] for row in rows}


def mitigation(organization: Organization, incidents, since: datetime, until: datetime, rows: list[dict],
               pairs: dict[tuple, datetime], today: date | None = None) -> dict:
    """Share of action items (due in the window, due by today) done by their due date; incidents that
    repeated on the same service and root-cause category after the previous one's items were all done."""
    today = today or timezone.localdate()
    drills = Incident.objects.filter(organization=organization, is_drill=True).values("pk")
    items = (ActionItem.objects.filter(organization=organization, due_date__gte=since.date(),
                                       due_date__lt=until.date(), due_date__lte=today)
             .exclude(incident__in=drills))
    counts = items.aggregate(due=Count("pk"), done_by_due=Count("pk", filter=Q(
        status=ActionItemStatus.DONE, done_at__date__lte=F("due_date"))))
    repeat_count = sum(row["count"] for row in rows if row["repeat"])
    repeats = []
    if repeat_count:
        repeats = list(incidents.annotate(category=category_id()).filter(_repeats(pairs)).order_by("detected_at")
                       .values_list("number", flat=True)[:REPEATS_LISTED])
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
    if group_by is not None and group_by not in GROUPS:
        raise ApplicationError("Unknown grouping.", {"group_by": [f"Choose one of: {', '.join(GROUPS)}."]})
    zone = ZoneInfo(organization.time_zone)
    since, until = window(since, until, zone)
    incidents = incidents_in(organization, since, until)
    severities = {severity.pk: severity for severity in Severity.objects.filter(organization=organization)}
    p0 = [pk for pk, severity in severities.items() if severity.rank == 0]
    p0_mttr = {"p0_mttr": Avg("detect_to_resolve_seconds", filter=Q(severity_id__in=p0))} if p0 else {}
    row = incidents.aggregate(count=Count("pk"), **_aggregates(), **p0_mttr)
    overall = _stats(row)
    pairs = _finished_pairs(organization, until)
    rows = _breakdown(incidents, zone, pairs)
    per_month, per_quarter = counts_by_month(rows, severities, _months_between(since, until, zone))
    return {
        "since": since, "until": until, "group_by": group_by, "drills_excluded": True,
        "percentiles": has_percentiles(), "definitions": definitions(),
        "overall": {"count": row["count"], **overall},
        "groups": _grouped(incidents, group_by, severities, zone) if group_by else None,
        "counts_by_month": per_month, "p0_per_quarter": per_quarter,
        "targets": targets(overall, row.get("p0_mttr"), per_quarter),
        "top_root_causes": top_root_causes(rows),
        "mitigation": mitigation(organization, incidents, since, until, rows, pairs),
    }
