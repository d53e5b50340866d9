"""The inbound wall: every request from Slack is checked here before anything reads it.

``X-Slack-Signature`` is slack-sdk's v0 HMAC-SHA256 over ``v0:<timestamp>:<raw body>`` with the app's
signing secret, and ``X-Slack-Request-Timestamp`` must be within five minutes (a replay is refused).
The org is the one that installed the workspace the payload names (``team_id``); nothing else in a
request (a channel id, an incident id) can reach another org: every lookup filters by that org."""

from django.conf import settings
from slack_sdk.signature import SignatureVerifier

from comms.chatops import client, selectors
from comms.chatops.client import CallFailed
from comms.chatops.models import SlackWorkspace
from comms.chatops.services import people
from tenancy.enums import Role
from tenancy.models import Membership


def verified(request) -> bool:
    if not settings.SLACK_SIGNING_SECRET:
        return False
    return SignatureVerifier(settings.SLACK_SIGNING_SECRET).is_valid_request(request.body, dict(request.headers))


def workspace(team_id: str) -> SlackWorkspace | None:
    return selectors.workspace_for_team(team_id=team_id)


def member_or_refusal(workspace: SlackWorkspace, slack_user_id: str, role: str = Role.RESPONDER):
    """(member, "") when the Slack user is a member with ``role`` or more; else (None, why not)."""
    try:
        slack_user = people.slack_user_resolve(workspace=workspace, slack_user_id=slack_user_id,
                                               seconds=client.INTERACTIVE_TIMEOUT)
    except CallFailed:
        return None, "Foghorn could not ask Slack who you are: try again in a minute."
    if slack_user.user is None:
        return None, ("Your Slack account does not match a Foghorn member of this organization (by confirmed "
                      "email). Ask an admin to invite the address of your Slack profile.")
    membership = Membership.objects.filter(organization_id=workspace.organization_id,
                                           user=slack_user.user).first()
    if membership is None or not Role.at_least(membership.role, role):
        return None, f"This needs the {Role(role).label.lower()} role in Foghorn."
    return slack_user.user, ""
