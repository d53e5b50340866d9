"""Email through Anymail's real ESP backends, answered by a local HTTP receiver that speaks like the ESP.

Use it for any email Foghorn sends (pages, ack links, announcements, handoff notices, invitations…)::

    from tests.comms.esp import ESP_NAMES, esp_backend  # noqa: F401 — a fixture (or list it in conftest)

    @pytest.mark.parametrize("esp_name", ESP_NAMES)
    def test_my_email(esp_backend, esp_name):
        esp = esp_backend(esp_name)           # EMAIL_BACKEND + ANYMAIL settings, API URL → the receiver
        ...send the email...
        sent = esp.messages()                 # what reached the ESP's send endpoint, parsed
        assert sent[0].to == ["alice@example.test"]

Each stand-in answers on the ESP's real send path with the ESP's success body (Postmark's
``{"ErrorCode": 0, "MessageID"…}``, SendGrid's empty 202, Mailgun's ``{"id", "message": "Queued…"}``,
Brevo's ``{"messageId"}``, Resend's ``{"id"}``), so Anymail parses it as it would in production and
raises what it would raise (e.g. Postmark's "multiple tags" refusal) before anything is sent.
"""

import json
import uuid
from dataclasses import dataclass, field

import pytest

from tests.comms.receiver import HttpReceiver, Received

ESP_NAMES = ["postmark", "sendgrid", "mailgun", "brevo", "resend"]


def _postmark_body(received: Received) -> bytes:
    data = received.json()
    return json.dumps({"To": data.get("To", ""), "SubmittedAt": "2026-01-01T00:00:00Z",
                       "MessageID": str(uuid.uuid4()), "ErrorCode": 0, "Message": "OK"}).encode()


def _mailgun_body(_received: Received) -> bytes:
    return json.dumps({"id": f"<{uuid.uuid4().hex}@mg.example.test>", "message": "Queued. Thank you."}).encode()


def _brevo_body(_received: Received) -> bytes:
    return json.dumps({"messageId": f"<{uuid.uuid4().hex}@smtp-relay.brevo.com>"}).encode()


def _resend_body(_received: Received) -> bytes:
    return json.dumps({"id": str(uuid.uuid4())}).encode()


@dataclass(frozen=True)
class EspStandIn:
    """How one ESP is configured and what its send endpoint answers."""

    send_path: str
    status: int
    body: object
    anymail: dict = field(default_factory=dict)


STAND_INS = {
    "postmark": EspStandIn("/email", 200, _postmark_body, {"POSTMARK_SERVER_TOKEN": "pm-test-token"}),
    "sendgrid": EspStandIn("/mail/send", 202, b"", {"SENDGRID_API_KEY": "SG.test-key"}),
    "mailgun": EspStandIn("/", 200, _mailgun_body, {"MAILGUN_API_KEY": "mg-test-key",
                                                    "MAILGUN_SENDER_DOMAIN": "mg.example.test"}),
    "brevo": EspStandIn("/smtp/email", 201, _brevo_body, {"BREVO_API_KEY": "xkeysib-test"}),
    "resend": EspStandIn("/emails", 200, _resend_body, {"RESEND_API_KEY": "re_test"}),
}


@dataclass
class SentEmail:
    """One send request, with the fields every ESP has, read from its own payload format."""

    esp_name: str
    request: Received
    to: list[str]
    subject: str
    text: str
    html: str
    tags: list[str]
    metadata: dict


def _parse(esp_name: str, received: Received) -> SentEmail:
    if esp_name == "mailgun":
        form = _multipart_fields(received)
        variables = {key[2:]: value for key, value in form.items()
                     if key.startswith("v:")}
        return SentEmail(esp_name, received, form.get("to", "").split(","), form.get("subject", ""),
                         form.get("text", ""), form.get("html", ""), form.getall("o:tag"), variables)
    data = received.json()
    if esp_name == "postmark":
        return SentEmail(esp_name, received, [data["To"]], data["Subject"], data.get("TextBody", ""),
                         data.get("HtmlBody", ""), [data["Tag"]] if data.get("Tag") else [], data.get("Metadata", {}))
    if esp_name == "sendgrid":
        person = data["personalizations"][0]
        content = {part["type"]: part["value"] for part in data.get("content", [])}
        return SentEmail(esp_name, received, [to["email"] for to in person["to"]], data["subject"],
                         content.get("text/plain", ""), content.get("text/html", ""), data.get("categories", []),
                         data.get("custom_args", {}))
    if esp_name == "brevo":
        return SentEmail(esp_name, received, [to["email"] for to in data["to"]], data["subject"],
                         data.get("textContent", ""), data.get("htmlContent", ""), data.get("tags", []),
                         json.loads(data.get("headers", {}).get("X-Mailin-custom", "{}") or "{}"))
    headers = data.get("headers", {})
    return SentEmail(esp_name, received, list(data["to"]), data["subject"], data.get("text", ""),
                     data.get("html", ""), json.loads(headers.get("X-Tags", "[]")),
                     json.loads(headers.get("X-Metadata", "{}")))


class _Fields(dict):
    def __init__(self):
        super().__init__()
        self.multi: dict[str, list[str]] = {}

    def add(self, key: str, value: str) -> None:
        self.multi.setdefault(key, []).append(value)
        self[key] = value

    def getall(self, key: str) -> list[str]:
        return self.multi.get(key, [])


def _multipart_fields(received: Received) -> _Fields:
    """The text fields of a form body (Mailgun's API format: urlencoded, or multipart with attachments)."""
    from email.parser import BytesParser
    from email.policy import HTTP
    from urllib.parse import parse_qsl

    content_type = next(value for key, value in received.headers.items() if key.lower() == "content-type")
    fields = _Fields()
    if content_type.startswith("application/x-www-form-urlencoded"):
        for key, value in parse_qsl(received.body.decode(), keep_blank_values=True):
            fields.add(key, value)
        return fields
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + received.body)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and not part.get_filename():
            fields.add(name, part.get_content())
    return fields


class EspReceiver:
    def __init__(self, esp_name: str, receiver: HttpReceiver):
        self.esp_name = esp_name
        self.receiver = receiver

    @property
    def requests(self) -> list[Received]:
        return list(self.receiver.requests)

    def messages(self) -> list[SentEmail]:
        return [_parse(self.esp_name, received) for received in self.requests]


@pytest.fixture
def esp_backend(settings):
    """esp_backend(esp_name) -> EspReceiver: Django sends email through Anymail's real backend for
    ``esp_name``, its API URL pointed at a local receiver answering like that ESP."""
    started: list[HttpReceiver] = []

    def use(esp_name: str) -> EspReceiver:
        stand_in = STAND_INS[esp_name]
        receiver = HttpReceiver().start()
        started.append(receiver)
        receiver.respond(stand_in.send_path, status=stand_in.status, body=stand_in.body)
        settings.EMAIL_BACKEND = f"anymail.backends.{esp_name}.EmailBackend"
        settings.ANYMAIL = {**stand_in.anymail, f"{esp_name.upper()}_API_URL": receiver.base + "/"}
        return EspReceiver(esp_name, receiver)

    yield use
    for receiver in started:
        receiver.stop()
