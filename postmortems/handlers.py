"""How postmortems reacts to incident timeline events (registered in ``PostmortemsConfig.ready``).
Handlers run after commit, at least once: ``postmortem_open`` is idempotent."""

from incidents.enums import TimelineKind
from postmortems.services import postmortem as postmortem_services

KINDS = {TimelineKind.RESOLVED}


def on_timeline_event(event) -> None:
    if event.kind == TimelineKind.RESOLVED:
        postmortem_services.on_resolved(event)
