"""Every write of the tenancy app: organizations, members and API tokens."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tenancy.models import ApiToken, Membership, Organization, User
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
    """Add a person to an organization, creating their user if the email is new.

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
