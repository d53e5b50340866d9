"""Close guards: apps above ``incidents`` may refuse resolved → closed without ``incidents`` importing them.

An app registers ``guard(incident) -> str | None`` (in its ``AppConfig.ready``); the guard returns
why the incident may not close yet, or None. ``incident_transition`` asks every guard inside its
transaction (the incident row locked) and refuses the move with a 409 naming every reason.

    from incidents import guards
    guards.register_close_guard(postmortem_close_guard)
"""

from collections.abc import Callable

from incidents.models import Incident
from tenancy.errors import ConflictError

CloseGuard = Callable[[Incident], str | None]

_close_guards: list[CloseGuard] = []


def register_close_guard(guard: CloseGuard) -> None:
    """Ask ``guard`` before any incident closes; registering the same function twice keeps one."""
    if guard not in _close_guards:
        _close_guards.append(guard)


def unregister_close_guard(guard: CloseGuard) -> None:
    if guard in _close_guards:
        _close_guards.remove(guard)


def close_refusals(incident: Incident) -> list[str]:
    """Every registered guard's reason to keep ``incident`` from closing (empty: it may close)."""
    return [reason for reason in (guard(incident) for guard in list(_close_guards)) if reason]


def close_check(incident: Incident) -> None:
    reasons = close_refusals(incident)
    if reasons:
        raise ConflictError(f"Incident #{incident.number} cannot close yet: {' '.join(reasons)}",
                            {"status": reasons})
