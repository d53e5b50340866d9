"""The admin's index page: leadership's dashboard for one organization at a time.

Lives in the top layer because it shows every app's state. It computes nothing itself: each
figure comes from the selectors the API answers with (incidents, on-call, metrics, readiness),
so the console and the API never disagree. Unfold calls ``dashboard_callback`` for the index
(settings.UNFOLD["DASHBOARD_CALLBACK"])."""

import json
from datetime import datetime, timedelta

from django.utils import timezone

from incidents import selectors as incident_selectors
from oncall import selectors as oncall_selectors
from postmortems import selectors
from tenancy.enums import Role
from tenancy.models import Organization

SLA_LABELS = {"met": "Acknowledged within SLA", "late": "Acknowledged late", "breached": "SLA breached",
              "running": "Awaiting acknowledgment"}


def organizations_for(request) -> list[Organization]:
    """The organizations whose dashboard the user may see: every one they belong to (all for superusers)."""
    if request.user.is_superuser:
        return list(Organization.objects.order_by("name"))
    return list(Organization.objects.filter(memberships__user=request.user).order_by("name"))


def chosen_organization(request, organizations: list[Organization]) -> Organization | None:
    """The org of ``?org=<slug>`` if the user may see it, else their first; never one they may not see."""
    wanted = request.GET.get("org")
    for organization in organizations:
        if organization.slug == wanted:
            return organization
    return organizations[0] if organizations else None


def _duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def _open_incidents(organization: Organization, now) -> dict:
    rows = incident_selectors.open_incidents_with_sla(organization=organization, now=now)
    by_severity: dict[str, int] = {}
    for row in rows:
        by_severity[row.incident.severity.name] = by_severity.get(row.incident.severity.name, 0) + 1
    return {
        "rows": [{
            "incident": row.incident,
            "age": _duration(row.age),
            "state": row.state,
            "state_label": SLA_LABELS[row.state],
            "time_left": _duration(row.time_left),
        } for row in rows],
        "by_severity": sorted(by_severity.items()),
        "breached": sum(1 for row in rows if row.state == "breached"),
    }


def _oncall(organization: Organization, now) -> list[dict]:
    return [{"schedule": entry.schedule_name, "people": [user.name or user.email for user in entry.users],
             "time_zone": entry.time_zone}
            for entry in oncall_selectors.oncall_now(organization=organization, at=now)]


def chart(labels: list, datasets: list[dict]) -> str:
    """Chart.js data as unfold's chart components take it (a JSON string)."""
    return json.dumps({"labels": labels, "datasets": datasets})


# One colour per severity rank (P0 first), then the primary colour for single-series charts.
SEVERITY_COLOURS = ["#b91c1c", "#ea580c", "#ca8a04", "#2563eb", "#6b7280"]
PRIMARY = "var(--color-primary-600)"
STACKED = json.dumps({"scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}}})
UPDATE_LOOKAHEAD = timedelta(minutes=30)
POSTMORTEM_LOOKAHEAD = timedelta(hours=48)
CHART_MONTHS = 12


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _target(figures: dict, key: str) -> dict:
    return next(row for row in figures["targets"] if row["key"] == key)


def _kpis(organization: Organization, now: datetime, year: dict) -> dict:
    """MTTD and MTTR of the last 90 days against the plan's targets; P0s this quarter against < 2, read
    from the chart window's per-quarter counts (``year``), so the page computes the metrics twice, not thrice."""
    last_90 = selectors.metrics(organization=organization, since=now - timedelta(days=90), until=now)
    this_quarter = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    p0 = next((row for row in year["p0_per_quarter"] if row["quarter"] == this_quarter),
              {"count": 0, "met": True})
    mttd, mttr_p0 = _target(last_90, "mttd"), _target(last_90, "mttr_p0")
    mttr = last_90["overall"]["mttr"]["mean"]
    return {
        "mttd": {"display": _duration(None if mttd["value"] is None else timedelta(seconds=mttd["value"])) or "—",
                 "target": "5 min", "met": mttd["met"], "formula": last_90["definitions"]["mttd"]["formula"]},
        # No P0 in the window: the P0 target is not broken.
        "mttr": {"display": _duration(None if mttr is None else timedelta(seconds=mttr)) or "—",
                 "target": "30 min (P0)", "met": mttr_p0["met"] is not False,
                 "p0_display": _duration(None if mttr_p0["value"] is None else timedelta(seconds=mttr_p0["value"])),
                 "formula": last_90["definitions"]["mttr"]["formula"]},
        "p0_quarter": {"count": p0["count"], "target": 2, "met": p0["met"]},
    }


def _chart_figures(organization: Organization, now: datetime) -> dict:
    """The metrics of the charts' window: the last ``CHART_MONTHS`` calendar months, grouped by month."""
    since = (now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=31 * (CHART_MONTHS - 1))
             ).replace(day=1)
    return selectors.metrics(organization=organization, since=since, until=now, group_by="month")


def _charts(figures: dict) -> dict:
    """Incidents per month by severity (stacked), MTTR per month, top root-cause categories."""
    months = [row["month"] for row in figures["counts_by_month"]]
    severities = sorted({name for row in figures["counts_by_month"] for name in row["by_severity"]})
    per_month = chart(months, [
        {"label": name, "data": [row["by_severity"].get(name, 0) for row in figures["counts_by_month"]],
         "backgroundColor": SEVERITY_COLOURS[min(index, len(SEVERITY_COLOURS) - 1)]}
        for index, name in enumerate(severities)])
    mttr_by_month = {group["key"]: _minutes(group["mttr"]["mean"]) for group in figures["groups"] or []}
    mttr_trend = chart(months, [{"label": "MTTR (mean, minutes)", "data": [mttr_by_month.get(m) for m in months],
                                 "borderColor": PRIMARY, "backgroundColor": PRIMARY}])
    causes = figures["top_root_causes"]
    root_causes = chart([row["category"] for row in causes], [
        {"label": "Incidents", "data": [row["count"] for row in causes], "backgroundColor": PRIMARY}])
    return {"per_month": per_month, "stacked_options": STACKED, "mttr_trend": mttr_trend,
            "root_causes": root_causes}


def _learning(organization: Organization, now: datetime) -> dict:
    due = selectors.postmortems_due(organization=organization, now=now, within=POSTMORTEM_LOOKAHEAD)
    return {
        "postmortems_due": [{"title": f"#{pm.incident.number} {pm.incident.title}", "due_at": pm.due_at,
                             "overdue": pm.due_at < now, "postmortem": pm} for pm in due],
        "overdue_by_owner": [{"owner": (row["owner"] or {}).get("name") or (row["owner"] or {}).get("email")
                              or "Unassigned", "count": row["overdue"]}
                             for row in selectors.overdue_by_owner(organization=organization)],
    }


def _updates_due(organization: Organization, now: datetime) -> list[dict]:
    return [{"incident": incident, "due_at": incident.next_update_at, "overdue": incident.next_update_at < now}
            for incident in incident_selectors.incidents_update_due(organization=organization, now=now,
                                                                    within=UPDATE_LOOKAHEAD)]


def _readiness(organization: Organization) -> list[dict]:
    report = selectors.readiness(organization=organization)
    return [{"label": row["label"], "passed": row["passed"], "missing": "; ".join(row["missing"][:3])}
            for row in report["criteria"]]


def dashboard_context(*, organization: Organization, user, now=None) -> dict:
    """Everything the dashboard shows for ``organization``: each part from the selector the API uses."""
    now = now or timezone.now()
    year = _chart_figures(organization, now)
    return {
        "organization": organization,
        "now": now,
        "open_incidents": _open_incidents(organization, now),
        "oncall": _oncall(organization, now),
        "updates_due": _updates_due(organization, now),
        "metrics": _kpis(organization, now, year),
        "charts": _charts(year),
        "learning": _learning(organization, now),
        "readiness": _readiness(organization),
    }


def dashboard_callback(request, context: dict) -> dict:
    organizations = organizations_for(request)
    organization = chosen_organization(request, organizations)
    context["console_organizations"] = organizations
    if organization is not None:
        context["console"] = dashboard_context(organization=organization, user=request.user)
        role = request.user.memberships.filter(organization=organization).values_list("role", flat=True).first()
        context["console_can_work"] = request.user.is_superuser or bool(role and Role.at_least(role, Role.RESPONDER))
    return context
