"""Notes on the incident timeline (through ``incidents.services``, inside the caller's transaction)."""

from incidents import services as incident_services


def note(incident, kind: str, text: str, actor=None, **payload) -> None:
    incident_services.timeline_event_record(incident=incident, kind=kind, actor=actor,
                                            payload={"text": text, **payload})


def person(user) -> dict | None:
    return incident_services.person(user)
