"""Every write of the tenancy app: organizations, members, invitations and API tokens."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tenancy.models import ApiToken, Invitation, Membership, Organization, User
from tenancy.tokens import new_api_token

logger = logging.getLogger(__name__)

# Apps below us in the layering (oncall, incidents…) register what a new org needs
# (default severities, checklists…) here instead of tenancy importing them.
ORGANIZATION_CREATED_HOOKS: list = []
# ... and what a person leaving an organization means to them (hook(organization, user)),
# e.g. oncall takes them out of rotations and escalation steps.
MEMBERSHIP_REMOVED_HOOKS: list = []


@transaction.atomic
def organization_create(*, name: str, slug: str | None = None, time_zone: str = "UTC") -> Organization:
    """Create a tenant and run every app's set-up hook in the same transaction."""
    slug = slug or slugify(name)
    if Organization.objects.filter(slug=slug).exists():
        raise ApplicationError("That slug is taken.", {"slug": ["An organization with this slug exists."]})
    organization = Organization(name=name, slug=slug, time_zone=time_zone)
    organization.full_clean()
    organization.save()
    for hook in ORGANIZATION_CREATED_HOOKS:
        hook(organization)
    logger.info("organization created", extra={"organization_id": organization.id})
    return organization


def user_get_or_create(*, email: str, name: str = "", password: str | None = None) -> tuple[User, bool]:
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email=email, name=name, password=password), True


@transaction.atomic
def membership_create(*, organization: Organization, email: str, name: str = "", role: str = Role.RESPONDER,
                      password: str | None = None, actor_role: str | None = None) -> Membership:
    """Add a person to an organization directly, creating their user if the email is new. For the
    operator's tools only (``create_org``, seeding, tests): people asked for through the API or the
    admin get an invitation (``invitation_create``) they accept.

    ``actor_role`` is the role of whoever asks (None for the system): only owners add owners."""
    if role == Role.OWNER and actor_role not in (None, Role.OWNER):
        raise ApplicationError("Only an owner can add an owner.", {"role": ["Owner only."]}, status_code=403)
    user, _created = user_get_or_create(email=email, name=name, password=password)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise ApplicationError("Already a member.", {"email": ["This person is already a member."]})
    return Membership.objects.create(organization=organization, user=user, role=role)


def _owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


@transaction.atomic
def membership_update(*, membership: Membership, actor_role: str, role: str) -> Membership:
    """Change a member's role. Only owners grant or take away ownership; the last owner stays."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    touches_owner = Role.OWNER in (role, membership.role)
    if touches_owner and actor_role != Role.OWNER:
        raise ApplicationError("Only an owner can grant or remove ownership.", {"role": ["Owner only."]},
                               status_code=403)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.organization) <= 1:
        raise ApplicationError("An organization keeps at least one owner.", {"role": ["This is the last owner."]})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor_role: str) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER:
        if actor_role != Role.OWNER:
            raise ApplicationError("Only an owner can remove an owner.", status_code=403)
        if _owner_count(membership.organization) <= 1:
            raise ApplicationError("An organization keeps at least one owner.", {"role": ["This is the last owner."]})
    ApiToken.objects.filter(organization=membership.organization, user=membership.user).update(
        revoked_at=timezone.now()
    )
    for hook in MEMBERSHIP_REMOVED_HOOKS:
        hook(membership.organization, membership.user)
    membership.delete()


def api_token_create(*, organization: Organization, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and its secret; the secret is never stored and never shown again."""
    secret, prefix, secret_hash = new_api_token()
    token = ApiToken.objects.create(organization=organization, user=user, name=name, prefix=prefix,
                                    secret_hash=secret_hash)
    return token, secret


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_touch(*, token: ApiToken) -> None:
    """Record use at most once per API_TOKEN_TOUCH_INTERVAL (a write per request would be waste)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= settings.API_TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Invitations ------------------------------------------------------------------------
# Adding someone by email is an invitation they accept. Nothing here reads whether an account
# exists for the address before acceptance, so the inviting org learns nothing about it.


def _send(task_name: str, *args) -> None:
    from tenancy import tasks

    try:
        getattr(tasks, task_name).delay(*args)
    except Exception:
        # The email stays due in its row: ``invitations_tick`` (beat) sends it.
        logger.warning("email task not queued", extra={"task": task_name}, exc_info=True)


def _send_on_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: _send(task_name, *args))


def _refuse_owner_grant(role: str, actor_role: str | None) -> None:
    if role == Role.OWNER and actor_role not in (None, Role.OWNER):
        raise ApplicationError("Only an owner can invite an owner.", {"role": ["Owner only."]}, status_code=403)


def invitation_check(*, organization: Organization, email: str, role: str, actor_role: str | None) -> str:
    """Refuse an invitation that cannot be made (ApplicationError); return the normalised address.
    Forms (the admin's) call it to show the refusal on the field."""
    if role not in Role.values:
        raise ApplicationError("Unknown role.", {"role": [f"Choose one of: {', '.join(Role.values)}."]})
    _refuse_owner_grant(role, actor_role)
    email = User.objects.normalize_email(email or "").strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ApplicationError("Already a member.", {"email": ["This person is already a member."]})
    pending = Invitation.objects.filter(organization=organization, email=email, accepted_at__isnull=True,
                                        revoked_at__isnull=True)
    if pending.exists():
        raise ApplicationError("Already invited.", {"email": ["This address has a pending invitation: resend it."]})
    return email


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str = Role.RESPONDER, name: str = "",
                      invited_by: User | None = None, actor_role: str | None = None) -> Invitation:
    """Invite ``email`` to ``organization``; the email with the signed link goes out after commit.

    The same answer whether or not the address has an account; only "already a member of this
    organization" and "already invited" (both facts the org can see anyway) are refused."""
    email = invitation_check(organization=organization, email=email, role=role, actor_role=actor_role)
    invitation = Invitation(organization=organization, email=email, name=(name or "").strip(), role=role,
                            invited_by=invited_by, nonce=secrets.token_urlsafe(16),
                            expires_at=timezone.now() + settings.INVITATION_MAX_AGE)
    invitation.full_clean(exclude=["organization", "invited_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise ApplicationError("Already invited.", {"email": ["This address has a pending invitation: resend it."]}
                               ) from exc
    _send_on_commit("send_invitation", invitation.pk, invitation.nonce)
    logger.info("invitation created", extra={"organization_id": organization.pk, "invitation_id": invitation.pk})
    return invitation


def _lock_pending(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ApplicationError(f"This invitation is {invitation.status}.",
                               {"status": [f"The invitation is {invitation.status}."]}, status_code=409)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor_role: str | None = None) -> Invitation:
    """Send a fresh link (the old one stops working) and start a new validity period."""
    invitation = _lock_pending(invitation)
    _refuse_owner_grant(invitation.role, actor_role)
    invitation.nonce = secrets.token_urlsafe(16)
    invitation.expires_at = timezone.now() + settings.INVITATION_MAX_AGE
    invitation.save(update_fields=["nonce", "expires_at"])
    _send_on_commit("send_invitation", invitation.pk, invitation.nonce)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor_role: str | None = None) -> Invitation:
    invitation = _lock_pending(invitation)
    _refuse_owner_grant(invitation.role, actor_role)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_email_send(*, invitation_id: int, nonce: str) -> bool:
    """Email the link of a pending invitation (the task's work). The row stays locked while sending,
    so two deliveries of the task send one email; a stale nonce (resent since) sends nothing."""
    from tenancy import mail

    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("organization", "invited_by")
                  .filter(pk=invitation_id, nonce=nonce, accepted_at__isnull=True, revoked_at__isnull=True).first())
    if invitation is None or invitation.status != "pending" or invitation.sent_nonce == nonce:
        return False
    mail.send(to=invitation.email, template="invitation", tags=["invitation"], context={
        "invitation": invitation, "organization": invitation.organization, "url": mail.invitation_url(invitation),
        "inviter": invitation.invited_by or invitation.organization.name, "role": invitation.get_role_display()})
    invitation.sent_at, invitation.sent_nonce = timezone.now(), nonce
    invitation.send_count += 1
    invitation.save(update_fields=["sent_at", "sent_nonce", "send_count"])
    return True


def invitations_tick(*, older_than_seconds: int = 30) -> int:
    """Send the invitation emails whose task was lost (broker down at commit). Beat runs it."""
    due = (Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now(),
                                     created_at__lte=timezone.now() - timedelta(seconds=older_than_seconds))
           .exclude(sent_nonce=models.F("nonce")).values_list("pk", "nonce")[:100])
    return sum(invitation_email_send(invitation_id=pk, nonce=nonce) for pk, nonce in due)


def _accepting_user(invitation: Invitation, *, password: str, name: str) -> User:
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.has_usable_password():
        if not user.check_password(password or ""):
            raise ApplicationError("Wrong password.", {"password": ["Enter the password of your Foghorn account."]})
        return user
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as exc:
        raise ApplicationError("Choose another password.", {"password": exc.messages}) from exc
    if user is None:
        return User.objects.create_user(email=invitation.email, name=(name or invitation.name).strip(),
                                        password=password)
    user.set_password(password)
    if name and not user.name:
        user.name = name.strip()
    user.save(update_fields=["password", "name"])
    return user


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, name: str = "") -> User:
    """The invited person accepts: a new account is created with ``password``; an existing one must
    give its password (or, if it never had one, sets it). Then they are a member with the invited role
    (org admins and owners may use the admin)."""
    invitation = _lock_pending(invitation)
    if invitation.expires_at <= timezone.now():
        raise ApplicationError("This invitation has expired.", {"status": ["Ask for a new invitation."]}, 410)
    user = _accepting_user(invitation, password=password, name=name)
    if not Membership.objects.filter(organization=invitation.organization, user=user).exists():
        Membership.objects.create(organization=invitation.organization, user=user, role=invitation.role)
    if invitation.role in Role.admin_roles() and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    logger.info("invitation accepted", extra={"organization_id": invitation.organization_id,
                                              "invitation_id": invitation.pk, "user_id": user.pk})
    return user


def member_password_reset_send(*, membership: Membership, requested_by: User | None = None) -> None:
    """Email a member a link to Django's password-reset page (an owner's "send reset link")."""
    _send_on_commit("send_password_reset", membership.user_id, getattr(requested_by, "pk", None))


def password_reset_email_send(*, user_id: int, requested_by_id: int | None = None) -> bool:
    from tenancy import mail

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    requested_by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    mail.send(to=user.email, template="password_reset", tags=["password-reset"],
              context={"user": user, "url": mail.password_reset_url(user), "requested_by": requested_by})
    return True
