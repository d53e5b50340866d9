"""The Statuspage-compatible JSON (Atlassian's public API v2: exact field names and enum values),
built from a ``selectors.PageState``. Timestamps are ISO 8601 with the page's UTC offset."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.urls import reverse

from comms import conf
from comms.enums import UpdateStatus
from comms.statuspage.enums import ComponentStatus, Impact, Indicator, MaintenanceStatus, PublicIncidentStatus
from comms.statuspage.selectors import RANK_STATUS, PageState, PublicIncident
from incidents.enums import IncidentStatus

PS = PublicIncidentStatus
INCIDENT_STATUS = {
    IncidentStatus.TRIGGERED: PS.INVESTIGATING, IncidentStatus.ACKNOWLEDGED: PS.INVESTIGATING,
    IncidentStatus.INVESTIGATING: PS.INVESTIGATING, IncidentStatus.FIXING: PS.IDENTIFIED,
    IncidentStatus.MONITORING: PS.MONITORING, IncidentStatus.RESOLVED: PS.RESOLVED, IncidentStatus.CLOSED: PS.RESOLVED,
}
PROGRESS = [PS.INVESTIGATING, PS.IDENTIFIED, PS.MONITORING, PS.RESOLVED]
UPDATE_STATUS = {UpdateStatus.INVESTIGATING: PS.INVESTIGATING, UpdateStatus.FIXING: PS.IDENTIFIED,
                 UpdateStatus.MONITORING: PS.MONITORING, UpdateStatus.RESOLVED: PS.RESOLVED}
MAINTENANCE_COMPONENT_STATUS = {MaintenanceStatus.SCHEDULED: ComponentStatus.OPERATIONAL,
                                MaintenanceStatus.IN_PROGRESS: ComponentStatus.UNDER_MAINTENANCE,
                                MaintenanceStatus.VERIFYING: ComponentStatus.UNDER_MAINTENANCE,
                                MaintenanceStatus.COMPLETED: ComponentStatus.OPERATIONAL}

# Keys every real Statuspage incident update carries besides the documented ones (we never tweet).
REAL_EXTRAS = {"deliver_notifications": True, "custom_tweet": None, "tweet_id": None}


class Builder:
    def __init__(self, state: PageState):
        self.state = state
        self.page = state.page
        try:
            self.zone = ZoneInfo(self.page.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.page_url = conf.base_url() + reverse("statuspage-home", kwargs={"org_slug": self.page.organization.slug})

    def time(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.astimezone(self.zone).isoformat(timespec="milliseconds")

    # --- the parts -------------------------------------------------------------------------------------
    def page_json(self) -> dict:
        return {"id": self.page.public_id, "name": self.page.title or self.page.organization.name,
                "url": self.page_url, "time_zone": self.page.time_zone, "updated_at": self.time(self.state.updated_at)}

    def status_json(self) -> dict:
        indicator = self.state.indicator
        return {"indicator": indicator, "description": Indicator(indicator).label}

    def component_json(self, component) -> dict:
        group = next((c for c in self.state.components if c.pk == component.group_id), None)
        data = {
            "id": component.public_id, "name": component.name, "status": component.status,
            "created_at": self.time(component.created_at), "updated_at": self.time(component.updated_at),
            "position": component.position, "description": component.description or None,
            "showcase": component.showcase, "start_date": component.start_date.isoformat() if component.start_date
            else None, "group_id": group.public_id if group else None, "page_id": self.page.public_id,
            "group": bool(component.child_ids), "only_show_if_degraded": component.only_show_if_degraded,
        }
        if component.child_ids:
            data["components"] = list(component.child_ids)
        return data

    def _affected(self, components, old: str, new: str) -> list[dict]:
        return [{"code": c.public_id, "name": c.name, "old_status": old, "new_status": new} for c in components]

    @staticmethod
    def incident_status(item: PublicIncident) -> str:
        """The words last posted in public (investigating, identified, monitoring); resolved once the
        incident is resolved or closed, whatever was posted (the plan's statuses map one to one)."""
        if not item.is_open:
            return PS.RESOLVED
        latest = UPDATE_STATUS.get(item.updates[0].status, PS.INVESTIGATING)
        if latest == PS.RESOLVED:  # posted "resolved" while still open: still monitoring
            return PS.MONITORING
        return max(latest, INCIDENT_STATUS.get(item.incident.status, PS.INVESTIGATING), key=PROGRESS.index)

    def incident_json(self, item: PublicIncident) -> dict:
        incident = item.incident
        oldest_first = list(reversed(item.updates))
        worst = RANK_STATUS.get(incident.severity.rank, ComponentStatus.OPERATIONAL)
        updates, previous = [], ComponentStatus.OPERATIONAL
        for update in oldest_first:
            new = ComponentStatus.OPERATIONAL if update.status == UpdateStatus.RESOLVED else worst
            updates.append({
                "id": update.public_id, "status": UPDATE_STATUS.get(update.status, PS.INVESTIGATING),
                "body": update.body, "incident_id": item.public_id, "created_at": self.time(update.posted_at),
                "updated_at": self.time(update.posted_at), "display_at": self.time(update.posted_at),
                "affected_components": self._affected(item.components, previous, new),
                **REAL_EXTRAS,
            })
            previous = new
        status = self.incident_status(item)
        if status == PS.RESOLVED and item.postmortem:
            status = PS.POSTMORTEM
        monitoring = next((u.posted_at for u in oldest_first if u.status == UpdateStatus.MONITORING), None)
        return {
            "id": item.public_id, "name": item.name, "status": status, "impact": item.impact,
            "created_at": self.time(oldest_first[0].posted_at), "updated_at": self.time(oldest_first[-1].posted_at),
            "monitoring_at": self.time(monitoring),
            "resolved_at": None if item.is_open else self.time(incident.resolved_at or incident.closed_at),
            "started_at": self.time(incident.detected_at), "shortlink": f"{self.page_url}#incident-{item.public_id}",
            "page_id": self.page.public_id, "incident_updates": list(reversed(updates)),
            "components": [self.component_json(c) for c in item.components],
        }

    def maintenance_json(self, maintenance) -> dict:
        components = list(maintenance.components.all())
        by_pk = {c.pk: c for c in self.state.components}
        components = [by_pk.get(c.pk, c) for c in components]
        for component in components:
            component.status = getattr(component, "status", ComponentStatus.OPERATIONAL)
            component.child_ids = getattr(component, "child_ids", [])
        updates, previous = [], ComponentStatus.OPERATIONAL
        for update in sorted(maintenance.recent_updates, key=lambda u: (u.created_at, u.pk)):
            new = MAINTENANCE_COMPONENT_STATUS[update.status]
            updates.append({
                "id": update.public_id, "status": update.status, "body": update.body,
                "incident_id": maintenance.public_id, "created_at": self.time(update.created_at),
                "updated_at": self.time(update.created_at), "display_at": self.time(update.created_at),
                "affected_components": self._affected(components, previous, new),
                **REAL_EXTRAS,
            })
            previous = new
        return {
            "id": maintenance.public_id, "name": maintenance.title, "status": maintenance.status,
            "impact": Impact.MAINTENANCE, "created_at": self.time(maintenance.created_at),
            "updated_at": self.time(maintenance.updated_at), "monitoring_at": None,
            "resolved_at": self.time(maintenance.completed_at), "started_at": self.time(maintenance.started_at or
                                                                                     maintenance.scheduled_for),
            "shortlink": f"{self.page_url}#maintenance-{maintenance.public_id}", "page_id": self.page.public_id,
            "incident_updates": list(reversed(updates)), "components": [self.component_json(c) for c in components],
            "scheduled_for": self.time(maintenance.scheduled_for),
            "scheduled_until": self.time(maintenance.scheduled_until),
        }

    # --- the endpoints ---------------------------------------------------------------------------------
    def endpoint(self, name: str) -> dict:
        state = self.state
        body = {"page": self.page_json()}
        if name == "summary":
            body.update(components=[self.component_json(c) for c in state.components],
                        incidents=[self.incident_json(i) for i in state.unresolved()],
                        scheduled_maintenances=[self.maintenance_json(m) for m in state.active() + state.upcoming()],
                        status=self.status_json())
        elif name == "status":
            body["status"] = self.status_json()
        elif name == "components":
            body["components"] = [self.component_json(c) for c in state.components]
        elif name in ("incidents", "incidents/unresolved"):
            chosen = state.unresolved() if name == "incidents/unresolved" else state.recent_incidents()
            body["incidents"] = [self.incident_json(i) for i in chosen]
        else:
            chosen = {"scheduled-maintenances": state.maintenances, "scheduled-maintenances/upcoming":
                      state.upcoming(), "scheduled-maintenances/active": state.active()}[name]
            body["scheduled_maintenances"] = [self.maintenance_json(m) for m in chosen]
        return body

