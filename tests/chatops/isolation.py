from comms.chatops.services import install
from incidents import services as incident_services
from tests.chatops.slack_standin import BOT_TOKEN
from tests.isolation import IsolationCase


def make_settings(org, marker):
    """Org A has installed Slack (its token and settings carry the marker)."""
    install.slack_install(organization=org, team_id=f"T{org.pk:08d}", team_name=marker, bot_token=BOT_TOKEN,
                          bot_user_id="UBOT0001")
    return install.chatops_settings_update(organization=org, announcement_channel=f"#{marker}")


def make_incident(org, marker):
    return incident_services.incident_create(organization=org, title=marker, severity="P3")


CASES = [
    IsolationCase(url_names=("slack-settings",), make=make_settings, url_kwargs=lambda obj: {},
                  creates_without_foreign_keys=True, body={"announcement_channel": "#stolen"}),
    IsolationCase(url_names=("incident-slack",), make=make_incident, url_kwargs=lambda obj: {"number": obj.number}),
]
