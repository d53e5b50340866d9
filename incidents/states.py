"""The incident state machine (pure: no database)."""

from incidents.enums import OPEN_STATUSES, IncidentStatus

S = IncidentStatus

# Moves people may make. Any open status may also be resolved (through the verification gate).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.TRIGGERED: (S.ACKNOWLEDGED, S.RESOLVED),
    S.ACKNOWLEDGED: (S.INVESTIGATING, S.RESOLVED),
    S.INVESTIGATING: (S.FIXING, S.MONITORING, S.RESOLVED),
    S.FIXING: (S.MONITORING, S.RESOLVED),
    S.MONITORING: (S.FIXING, S.RESOLVED),
    S.RESOLVED: (S.CLOSED, S.INVESTIGATING),
    S.CLOSED: (),
}


def allowed_transitions(status: str, *, system: bool = False) -> list[str]:
    """Where an incident in ``status`` may go. The system may also move any open incident to
    monitoring (all its alerts cleared), and a monitoring one back to triggered (a new alert)."""
    allowed = list(TRANSITIONS.get(status, ()))
    if system and status in OPEN_STATUSES and status != S.MONITORING and S.MONITORING not in allowed:
        allowed.insert(-1, S.MONITORING)
    if system and status == S.MONITORING:
        # A new alert on an incident nobody acknowledged re-triggers it (ingestion, issue 5).
        allowed.insert(0, S.TRIGGERED)
    return [str(value) for value in allowed]


def is_reopen(from_status: str, to_status: str) -> bool:
    return from_status == S.RESOLVED and to_status in OPEN_STATUSES
