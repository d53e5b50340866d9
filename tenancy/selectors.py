from django.db.models import QuerySet

from tenancy.enums import Role
from tenancy.models import Organization, User


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name")


def organizations_administered_by(*, user: User) -> QuerySet[Organization]:
    """Organizations where ``user`` is admin or owner (what a staff member may see in the admin)."""
    return Organization.objects.filter(memberships__user=user, memberships__role__in=Role.admin_roles())


def members_with_role(*, organization: Organization, roles: list[str]) -> QuerySet[User]:
    return User.objects.filter(memberships__organization=organization, memberships__role__in=roles, is_active=True)
