"""What a status update says by default: its fields filled from the incident, the severity's cadence and
the last update of the same audience, and the template variables of each kind (plan 5.3, 6.3, 11)."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from comms import messages
from comms.enums import Audience, TemplateKind, UpdateStatus
from comms.models import StatusUpdate
from incidents.enums import IncidentStatus, TimelineKind

PUBLIC_TITLE = "Service Disruption"
POSTMORTEM_DUE = timedelta(hours=48)
STATUS_OF_INCIDENT = {
    IncidentStatus.TRIGGERED: UpdateStatus.INVESTIGATING,
    IncidentStatus.ACKNOWLEDGED: UpdateStatus.INVESTIGATING,
    IncidentStatus.INVESTIGATING: UpdateStatus.INVESTIGATING,
    IncidentStatus.FIXING: UpdateStatus.FIXING,
    IncidentStatus.MONITORING: UpdateStatus.MONITORING,
    IncidentStatus.RESOLVED: UpdateStatus.RESOLVED,
    IncidentStatus.CLOSED: UpdateStatus.RESOLVED,
}
INCIDENT_STATUS_OF = {
    UpdateStatus.INVESTIGATING: IncidentStatus.INVESTIGATING,
    UpdateStatus.FIXING: IncidentStatus.FIXING,
    UpdateStatus.MONITORING: IncidentStatus.MONITORING,
    UpdateStatus.RESOLVED: IncidentStatus.RESOLVED,
}
WHAT_WE_ARE_DOING = {
    UpdateStatus.INVESTIGATING: "We're investigating the issue and will share more as soon as we know it.",
    UpdateStatus.FIXING: "We've identified the cause and are working on a fix.",
    UpdateStatus.MONITORING: "A fix has been deployed and we're monitoring the results.",
    UpdateStatus.RESOLVED: "This incident has been resolved.",
}


def hhmm(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%H:%M") if moment else "None"


def duration_text(seconds: float) -> str:
    """``45 minutes``, ``1 hour 5 minutes``, ``2 days 3 hours``."""
    minutes = max(int(seconds // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words[:2]) or "0 minutes"


def handle(user) -> str:
    if user is None:
        return "unassigned"
    local = (user.email or "").split("@")[0]
    return f"@{local or user.name or user.pk}"


def cadence(incident) -> timedelta | None:
    """The severity's update interval (P0 15 min, P1 30 min, P2 2 h, P3 none)."""
    return incident.severity.update_interval or None


def default_next_update(incident, status: str, now: datetime) -> datetime | None:
    interval = cadence(incident)
    if interval is None or status == UpdateStatus.RESOLVED or not incident.is_open:
        return None
    return now + interval


def last_update(incident, audience: str) -> StatusUpdate | None:
    return (StatusUpdate.objects.filter(organization_id=incident.organization_id, incident=incident,
                                        audience=audience).order_by("-posted_at", "-id").first())


def latest_fix(incident) -> str:
    """What fixed it: the last action recorded on the timeline (plan 6.1), if any."""
    event = incident.timeline.filter(kind=TimelineKind.ACTION_TAKEN).order_by("-at", "-id").first()
    return (event.payload or {}).get("description", "") if event else ""


def fields(incident, audience: str, now: datetime) -> dict:
    """The StatusUpdate fields a draft starts from."""
    previous = last_update(incident, audience)
    status = UpdateStatus.RESOLVED if audience == Audience.CLOSURE else STATUS_OF_INCIDENT[incident.status]
    title = (previous.title if previous else PUBLIC_TITLE) if audience == Audience.PUBLIC else incident.title
    return {
        "audience": audience, "status": str(status), "title": title,
        "impact": incident.customer_impact or (previous.impact if previous else ""),
        "root_cause": incident.root_cause or (previous.root_cause if previous else ""),
        "eta": previous.eta if previous and status != UpdateStatus.RESOLVED else "",
        "eta_at": previous.eta_at if previous and status != UpdateStatus.RESOLVED else None,
        "next_update_at": default_next_update(incident, status, now),
        "commander": incident.commander_id,
    }


def kind_for(audience: str, status: str) -> str:
    if audience == Audience.PUBLIC:
        return TemplateKind.PUBLIC_RESOLVED if status == UpdateStatus.RESOLVED else TemplateKind.PUBLIC
    return TemplateKind.CLOSURE if audience == Audience.CLOSURE else TemplateKind.INTERNAL


def _eta(values: dict) -> str:
    if values.get("eta"):
        return values["eta"]
    return f"{hhmm(values['eta_at'])} UTC" if values.get("eta_at") else "Unknown"


def variables(incident, values: dict, now: datetime) -> dict:
    """The template variables of the update ``values`` describe (every value a plain string)."""
    status = values["status"]
    resolved = incident.resolved_at or now
    return {
        "incident_number": str(incident.number), "incident_url": messages.incident_url(incident),
        "organization": incident.organization.name, "severity": incident.severity.name,
        "title": values["title"], "status": status.upper(),
        "time": hhmm(resolved if values["audience"] == Audience.CLOSURE else now), "posted": hhmm(now),
        "resolved": hhmm(resolved), "impact": values["impact"] or "Unknown",
        "root_cause": values["root_cause"] or "Unknown", "eta": _eta(values),
        "next_update": hhmm(values["next_update_at"]), "commander": handle(incident.commander),
        "description": "", "what_we_are_doing": WHAT_WE_ARE_DOING[status],
        "duration": duration_text((resolved - incident.detected_at).total_seconds()),
        "fix": latest_fix(incident) or "Unknown",
        "postmortem": f"Due by {(resolved + POSTMORTEM_DUE).astimezone(UTC):%a %b %d, %H:%M} UTC",
    }


def email_variables(incident, overrides: dict) -> dict:
    """The shared values of the affected-user email (per-recipient ones come from ``merge_data``)."""
    end = incident.resolved_at or timezone.now()
    start = incident.detected_at
    values = {
        "incident_number": str(incident.number), "incident_url": messages.incident_url(incident),
        "organization": incident.organization.name, "company": incident.organization.name,
        "date": f"{start.astimezone(UTC):%b %d, %Y}",
        "start_time": f"{hhmm(start)} UTC", "end_time": f"{hhmm(end)} UTC",
        "duration": duration_text((end - start).total_seconds()),
        "what_happened": incident.root_cause or incident.title, "impact": incident.customer_impact or "",
        "resolution": latest_fix(incident), "compensation": "",
    }
    values.update({key: str(value) for key, value in overrides.items() if key in values and value is not None})
    return values
