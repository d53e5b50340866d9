import json
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from slack_sdk.signature import SignatureVerifier

from comms.chatops.services import install
from incidents.models import Service
from tenancy.enums import Role
from tests.chatops.slack_standin import BOT_TOKEN, BOT_USER, TEAM_ID, SlackStandIn
from tests.chatops.zoom_standin import ZoomStandIn
from tests.comms import factories

SIGNING_SECRET = "standin-signing-secret"


@pytest.fixture
def slack(settings):
    """The Slack Web API stand-in, with the app's settings pointed at it."""
    server = SlackStandIn().start()
    settings.SLACK_API_BASE = server.base
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
    settings.SLACK_CLIENT_ID = "111.222"
    settings.SLACK_CLIENT_SECRET = "client-secret"
    settings.COMMS_RETRY_BASE_SECONDS = 1
    settings.COMMS_HTTP_TIMEOUT = 2
    yield server
    server.stop()


@pytest.fixture
def zoom(settings):
    server = ZoomStandIn().start()
    settings.ZOOM_OAUTH_BASE = server.oauth_base
    settings.ZOOM_API_BASE = server.api_base
    settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = (
        server.account_id, server.client_id, server.client_secret)
    yield server
    server.stop()


def install_into(org, standin, team_id=TEAM_ID):
    return install.slack_install(organization=org, team_id=team_id, team_name="Stand-in", bot_token=BOT_TOKEN,
                                 bot_user_id=BOT_USER)


@pytest.fixture
def workspace(org, slack):
    """The org has installed the app into the stand-in workspace, with #incidents to announce in."""
    slack.add_channel("incidents")
    workspace = install_into(org, slack)
    install.chatops_settings_update(organization=org, announcement_channel="#incidents",
                                    stakeholder_groups={"P1": ["engineering", "leadership"]})
    slack.add_usergroup("engineering")
    slack.add_usergroup("leadership")
    return workspace


@pytest.fixture
def alice(org, make_member, slack):
    """A responder on call (the commander of new incidents of the API service), known to Slack by email."""
    user = make_member(org, Role.RESPONDER, name="Alice", email="alice@example.test").user
    user.slack_id = slack.add_user("alice@example.test", name="Alice")
    return user


@pytest.fixture
def api_service(org, alice):
    return Service.objects.create(organization=org, name="API", escalation_policy=factories.policy(org, ([alice], 5)))


def sign(body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict:
    """The headers Slack sends, computed with slack-sdk's own signature code."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp, "HTTP_X_SLACK_SIGNATURE": signature}


class SlackSender:
    """Posts signed requests the way Slack does (form bodies for commands and interactivity)."""

    def __init__(self):
        self.client = Client()

    def command(self, text: str, *, user_id: str, channel_id: str = "C0GENERAL", team_id: str = TEAM_ID,
                response_url: str = "", trigger_id: str = "", **sign_options):
        form = {"token": "deprecated", "team_id": team_id, "team_domain": "standin", "channel_id": channel_id,
                "channel_name": "x", "user_id": user_id, "user_name": "someone", "command": "/incident",
                "text": text, "response_url": response_url, "trigger_id": trigger_id or f"trig-{time.time_ns()}",
                "api_app_id": "A0STANDIN"}
        return self.form("/integrations/slack/commands", form, **sign_options)

    def interaction(self, payload: dict, **sign_options):
        return self.form("/integrations/slack/interactivity", {"payload": json.dumps(payload)}, **sign_options)

    def form(self, path: str, form: dict, **sign_options):
        body = urlencode(form).encode()
        return self.client.post(path, body, content_type="application/x-www-form-urlencoded",
                                **sign(body, **sign_options))

    def event(self, event: dict, *, event_id: str, team_id: str = TEAM_ID, **sign_options):
        body = json.dumps({"token": "x", "team_id": team_id, "api_app_id": "A0STANDIN", "event": event,
                           "type": "event_callback", "event_id": event_id, "event_time": int(time.time())}).encode()
        return self.client.post("/integrations/slack/events", body, content_type="application/json",
                                **sign(body, **sign_options))


@pytest.fixture
def sender():
    return SlackSender()


def button(action_id: str, incident, *, user_id: str, team_id: str = TEAM_ID, channel_id: str = "C0",
           response_url: str = "") -> dict:
    return {"type": "block_actions", "team": {"id": team_id, "domain": "standin"},
            "user": {"id": user_id, "team_id": team_id}, "api_app_id": "A0STANDIN",
            "trigger_id": f"trig-{time.time_ns()}", "channel": {"id": channel_id}, "response_url": response_url,
            "actions": [{"action_id": action_id, "block_id": "incident_actions", "value": str(incident.pk),
                         "type": "button", "action_ts": str(time.time())}]}
