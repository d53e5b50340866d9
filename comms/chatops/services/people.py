"""Who is who: a Slack user of the org's workspace ↔ a member of the org, by email.

Inbound (a command, a button, a pinned message's author): ``users.info``, and the member whose
account email is the Slack profile's, only when Slack says the email is confirmed. Outbound (invite,
mention the commander): ``users.lookupByEmail``. Both are cached in ``SlackUser`` for a day."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from comms.chatops import client
from comms.chatops.client import CallFailed
from comms.chatops.models import SlackUser, SlackWorkspace
from tenancy.models import Membership

logger = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)


def _member_by_email(workspace: SlackWorkspace, email: str):
    if not email:
        return None
    return get_user_model().objects.filter(email__iexact=email, is_active=True,
                                           memberships__organization_id=workspace.organization_id).first()


def slack_user_resolve(*, workspace: SlackWorkspace, slack_user_id: str, seconds: int | None = None) -> SlackUser:
    """The cached (or freshly looked-up) Slack user; ``.user`` is None when no member matches.
    Raises ``CallFailed`` when Slack cannot be asked and nothing is cached."""
    cached = SlackUser.objects.select_related("user").filter(
        organization_id=workspace.organization_id, team_id=workspace.team_id, slack_user_id=slack_user_id).first()
    # A cached match holds only while the person is still a member of the workspace's organization
    # (someone removed, or a workspace moved to another org, is looked up again, never paged on trust).
    still_member = cached is not None and (cached.user_id is None or Membership.objects.filter(
        organization_id=workspace.organization_id, user_id=cached.user_id).exists())
    if still_member and cached.checked_at > timezone.now() - FRESH_FOR:
        return cached
    data = client.call(workspace.bot_token, "users.info", user=slack_user_id, seconds=seconds)
    info = data.get("user") or {}
    profile = info.get("profile") or {}
    email = profile.get("email") or ""
    confirmed = bool(info.get("is_email_confirmed")) and not info.get("deleted") and not info.get("is_bot")
    member = _member_by_email(workspace, email) if confirmed else None
    row, _created = SlackUser.objects.update_or_create(
        team_id=workspace.team_id, slack_user_id=slack_user_id,
        defaults={"organization_id": workspace.organization_id, "user": member, "email": email,
                  "name": profile.get("real_name") or info.get("name") or "", "checked_at": timezone.now()})
    return row


def slack_id_for(*, workspace: SlackWorkspace, user) -> str:
    """The Slack id of a member, found by their account email ("" when the workspace has no such user)."""
    if user is None:
        return ""
    cached = SlackUser.objects.filter(team_id=workspace.team_id, user=user).order_by("-checked_at").first()
    if cached is not None and cached.checked_at > timezone.now() - FRESH_FOR:
        return cached.slack_user_id
    try:
        data = client.call(workspace.bot_token, "users.lookupByEmail", email=user.email)
    except CallFailed as exc:
        if exc.error == "users_not_found":
            return ""
        raise
    slack_user_id = (data.get("user") or {}).get("id", "")
    if slack_user_id:
        SlackUser.objects.update_or_create(team_id=workspace.team_id, slack_user_id=slack_user_id, defaults={
            "organization_id": workspace.organization_id, "user": user, "email": user.email,
            "name": str(user), "checked_at": timezone.now()})
    return slack_user_id
