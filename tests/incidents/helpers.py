"""Small helpers shared by the incidents tests."""

from incidents import services
from incidents.defaults import VERIFICATION_ITEMS
from incidents.enums import IncidentStatus as S

# How to bring a fresh (triggered) incident to each status through legal moves.
PATH_TO = {
    S.TRIGGERED: [],
    S.ACKNOWLEDGED: [S.ACKNOWLEDGED],
    S.INVESTIGATING: [S.ACKNOWLEDGED, S.INVESTIGATING],
    S.FIXING: [S.ACKNOWLEDGED, S.INVESTIGATING, S.FIXING],
    S.MONITORING: [S.ACKNOWLEDGED, S.INVESTIGATING, S.MONITORING],
    S.RESOLVED: [S.ACKNOWLEDGED, "resolve"],
    S.CLOSED: [S.ACKNOWLEDGED, "resolve", S.CLOSED],
}


def bring_to(incident, status, actor=None):
    for step in PATH_TO[status]:
        if step == "resolve":
            incident = services.incident_resolve(incident=incident, actor=actor, override_reason="test set-up")
        else:
            incident = services.incident_transition(incident=incident, status=step, actor=actor)
    return incident


def tick_verification(incident, actor=None):
    return services.incident_checklist_update(
        incident=incident, actor=actor, changes=[{"key": key, "done": True} for key, _label in VERIFICATION_ITEMS]
    )


def incident_url(org, incident=None, action=None):
    url = f"/api/v1/orgs/{org.slug}/incidents/"
    if incident is not None:
        url += f"{incident.number}/"
    if action:
        url += f"{action}/"
    return url
