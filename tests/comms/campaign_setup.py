"""Shared by the campaign tests and the e2e test: a resolved incident with affected users, and Anymail's
real Mailgun backend pointed at a local receiver standing in for Mailgun's API."""

import json
from urllib.parse import parse_qs

from comms.services import affected
from incidents import services as incident_services

MAILGUN_OK = b'{"id": "<batch@mailgun.test>", "message": "Queued. Thank you."}'


def mailgun_settings(receiver) -> dict:
    return {"EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend",
            "ANYMAIL": {"MAILGUN_API_KEY": "key-test", "MAILGUN_SENDER_DOMAIN": "foghorn.test",
                        "MAILGUN_API_URL": receiver.url("/mailgun/v3")}}


def mailgun_env(receiver) -> dict:
    return {"EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend", "ANYMAIL_MAILGUN_API_KEY": "key-test",
            "ANYMAIL_MAILGUN_SENDER_DOMAIN": "foghorn.test", "ANYMAIL_MAILGUN_API_URL": receiver.url("/mailgun/v3")}


def mailgun_sends(receiver) -> list[dict]:
    """Each API call: its recipients, subject, text and recipient-variables."""
    sends = []
    for request in receiver.at("/mailgun/"):
        form = parse_qs(request.body.decode())
        sends.append({"to": form.get("to", []), "subject": form["subject"][0], "text": form["text"][0],
                      "variables": json.loads(form.get("recipient-variables", ["{}"])[0])})
    return sends


def add_people(incident, count: int, start: int = 0):
    rows = [{"email": f"user{n}@example.com", "name": f"User {n}", "plan": "pro"} for n in range(start, start + count)]
    return affected.affected_users_import(incident=incident, parsed=affected.parse_json(rows))


def resolve(incident, actor=None):
    incident = incident_services.incident_resolve(incident=incident, actor=actor, override_reason="test",
                                                  root_cause="RDS max_connections exhausted",
                                                  impact="You could not apply to jobs")
    incident.refresh_from_db()
    return incident
