from django.db.models import QuerySet

from tenancy.enums import Role
from tenancy.models import ApiToken, Membership, Organization, User


def membership_get(*, user: User, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization).first()


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name")


def organizations_administered_by(*, user: User) -> QuerySet[Organization]:
    """Organizations where ``user`` is admin or owner (what a staff member may see in the admin)."""
    return Organization.objects.filter(memberships__user=user, memberships__role__in=Role.admin_roles())


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def members_with_role(*, organization: Organization, roles: list[str]) -> QuerySet[User]:
    return User.objects.filter(memberships__organization=organization, memberships__role__in=roles, is_active=True)


def is_member(*, user_id: int, organization: Organization) -> bool:
    return Membership.objects.filter(user_id=user_id, organization=organization).exists()


def api_token_list(*, organization: Organization, user: User | None = None) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.filter(organization=organization, revoked_at__isnull=True).select_related("user")
    return tokens if user is None else tokens.filter(user=user)
