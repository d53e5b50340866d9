"""The demo organization's ChatOps settings: #incidents, the plan's stakeholder groups and a Jitsi room
per P0/P1 incident. Slack itself is not installed (that needs a real workspace: docs/slack.md). Idempotent."""

from comms.chatops.models import ChatOpsSettings
from comms.chatops.services import install
from tenancy.models import Organization


def seed(organization: Organization) -> None:
    if ChatOpsSettings.objects.filter(organization=organization).exists():
        return
    install.chatops_settings_update(
        organization=organization, announcement_channel="#incidents",
        stakeholder_groups={"P0": ["engineering", "leadership"], "P1": ["engineering", "leadership"],
                            "P2": ["engineering"]},
        war_room_mode="static", war_room_url="https://meet.jit.si/foghorn-{org}-incident-{number}")
