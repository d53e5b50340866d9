"""The admin's index page: leadership's dashboard for one organization at a time.

Lives in the top layer because it shows every app's state. It computes nothing itself: each
figure comes from the selectors the API answers with (incidents, on-call, metrics, readiness),
so the console and the API never disagree. Unfold calls ``dashboard_callback`` for the index
(settings.UNFOLD["DASHBOARD_CALLBACK"])."""

import json
from datetime import timedelta

from django.utils import timezone

from incidents import selectors as incident_selectors
from oncall import selectors as oncall_selectors
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


def dashboard_context(*, organization: Organization, user, now=None) -> dict:
    """Everything the dashboard shows for ``organization``."""
    now = now or timezone.now()
    return {
        "organization": organization,
        "now": now,
        "open_incidents": _open_incidents(organization, now),
        "oncall": _oncall(organization, now),
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
