"""Installing and removing the Slack app of an org, and the org's ChatOps settings.

Install is OAuth v2: ``/integrations/slack/install`` (an admin, logged in) → Slack's consent page →
``/integrations/slack/oauth/callback`` with a ``state`` signed over (org, admin) that expires in ten
minutes, exchanged for the bot token by ``oauth.v2.access``. A workspace belongs to one org: a second
org installing into the same workspace is refused."""

import logging
import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from slack_sdk.oauth import AuthorizeUrlGenerator

from comms.chatops import client, selectors
from comms.chatops.client import CallFailed
from comms.chatops.enums import WarRoomMode
from comms.chatops.models import ChatOpsSettings, SlackWorkspace
from tenancy.enums import Role
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import Membership, Organization

logger = logging.getLogger(__name__)
STATE_SALT = "comms.chatops.install"
STATE_MAX_AGE = 600
BOT_SCOPES = ["channels:manage", "channels:read", "channels:history", "channels:join", "chat:write",
              "chat:write.public", "commands", "pins:read", "reactions:read", "users:read", "users:read.email",
              "usergroups:read", "groups:history"]


def install_state(*, organization: Organization, user) -> str:
    return signing.dumps({"org": organization.pk, "user": user.pk, "nonce": secrets.token_urlsafe(8)},
                         salt=STATE_SALT)


def install_url(*, organization: Organization, user, redirect_uri: str) -> str:
    """Slack's consent page for this org, installing admin and callback."""
    generator = AuthorizeUrlGenerator(client_id=settings.SLACK_CLIENT_ID, redirect_uri=redirect_uri,
                                      scopes=BOT_SCOPES, authorization_url=settings.SLACK_AUTHORIZE_URL)
    return generator.generate(state=install_state(organization=organization, user=user))


def _is_admin(organization_id: int, user) -> bool:
    membership = Membership.objects.filter(organization_id=organization_id, user_id=user.pk).first()
    return membership is not None and Role.at_least(membership.role, Role.ADMIN)


def state_check(*, state: str, user) -> Organization:
    """The org a ``state`` was issued for, if it is ours, fresh, and for this (still admin) user."""
    try:
        data = signing.loads(state or "", salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature as exc:
        raise ApplicationError("The install link is invalid or expired: start again.",
                               {"state": ["Invalid or expired."]}) from exc
    if not user.is_authenticated or data.get("user") != user.pk or not _is_admin(data.get("org"), user):
        raise ApplicationError("This install was started by someone else.", {"state": ["Not your install."]},
                               status_code=403)
    return Organization.objects.get(pk=data["org"])


def slack_oauth_complete(*, state: str, code: str, user, redirect_uri: str) -> SlackWorkspace:
    """Check the state, exchange the code for the bot token (``oauth.v2.access``) and store it."""
    organization = state_check(state=state, user=user)
    if not code:
        raise ApplicationError("Slack sent no code.", {"code": ["Missing."]})
    try:
        data = client.slack("").oauth_v2_access(client_id=settings.SLACK_CLIENT_ID,
                                                client_secret=settings.SLACK_CLIENT_SECRET, code=code,
                                                redirect_uri=redirect_uri).data
    except Exception as exc:
        failed = client.failure(exc)
        raise ApplicationError(f"Slack refused the install: {failed}", {"code": [failed.error or "refused"]}) from exc
    team = data.get("team") or {}
    return slack_install(organization=organization, team_id=team.get("id", ""), team_name=team.get("name", ""),
                         bot_token=data.get("access_token", ""), bot_user_id=data.get("bot_user_id", ""),
                         app_id=data.get("app_id", ""), scope=data.get("scope", ""), installed_by=user)


@transaction.atomic
def slack_install(*, organization: Organization, team_id: str, team_name: str, bot_token: str, bot_user_id: str,
                  app_id: str = "", scope: str = "", installed_by=None) -> SlackWorkspace:
    """Store (or refresh) the org's installation. A workspace already installed for another org is refused."""
    if not team_id or not bot_token:
        raise ApplicationError("Slack's answer has no team or token.", {"code": ["Incomplete answer."]})
    other = SlackWorkspace.objects.filter(team_id=team_id).exclude(organization=organization).exists()
    if other:
        raise ConflictError("This Slack workspace is connected to another organization.",
                            {"team_id": ["Already connected to another organization."]})
    workspace = SlackWorkspace.objects.select_for_update().filter(organization=organization).first()
    workspace = workspace or SlackWorkspace(organization=organization)
    workspace.team_id, workspace.team_name, workspace.bot_user_id = team_id, team_name, bot_user_id
    workspace.app_id, workspace.scope, workspace.installed_by = app_id, scope, installed_by
    workspace.set_bot_token(bot_token)
    try:
        with transaction.atomic():
            workspace.save()
    except IntegrityError as exc:
        raise ConflictError("This Slack workspace is connected to another organization.",
                            {"team_id": ["Already connected to another organization."]}) from exc
    ChatOpsSettings.objects.get_or_create(organization=organization)
    logger.info("slack app installed", extra={"organization_id": organization.pk, "team_id": team_id})
    return workspace


def slack_uninstall(*, organization: Organization, revoke: bool = True) -> bool:
    """Forget the org's bot token (and ask Slack to revoke it when we still hold it). True if one existed."""
    with transaction.atomic():
        workspace = SlackWorkspace.objects.select_for_update().filter(organization=organization).first()
        if workspace is None:
            return False
        token = workspace.bot_token
        workspace.delete()
    if revoke and token:
        try:
            client.call(token, "auth.revoke")
        except CallFailed:
            logger.info("slack token revoke failed (already gone?)", extra={"organization_id": organization.pk})
    logger.info("slack app removed", extra={"organization_id": organization.pk})
    return True


def slack_team_uninstalled(*, team_id: str) -> bool:
    """``app_uninstalled`` / ``tokens_revoked``: the token is dead already; forget it."""
    workspace = selectors.workspace_for_team(team_id=team_id)
    if workspace is None:
        return False
    return slack_uninstall(organization=workspace.organization, revoke=False)


SETTINGS_FIELDS = ("announcement_channel", "channel_name_pattern", "channel_severities", "stakeholder_groups",
                   "war_room_mode", "war_room_url")


@transaction.atomic
def chatops_settings_update(*, organization: Organization, **changes) -> ChatOpsSettings:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ApplicationError("Not a setting.", {name: ["Not a setting."] for name in sorted(unknown)})
    row, _created = ChatOpsSettings.objects.select_for_update().get_or_create(organization=organization)
    for name, value in changes.items():
        setattr(row, name, value)
    if row.war_room_mode == WarRoomMode.STATIC and not row.war_room_url:
        raise ApplicationError("A static war room needs its URL.", {"war_room_url": ["Required for static."]})
    row.save()
    return row
