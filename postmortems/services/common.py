"""What the services of this app share."""

from django.contrib.auth import get_user_model

from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tenancy.models import Membership, Organization, User


def require_member(organization: Organization | int, user: User | None, field: str) -> None:
    if user is None:
        return
    org_id = organization if isinstance(organization, int) else organization.pk
    if not get_user_model().objects.filter(pk=user.pk, memberships__organization_id=org_id).exists():
        raise ApplicationError("Not a member of this organization.", {field: ["Not a member of this organization."]})


def require_admin(organization_id: int, user: User | None, field: str = "actor") -> None:
    if user is None or not Membership.objects.filter(organization_id=organization_id, user=user,
                                                     role__in=Role.admin_roles()).exists():
        raise ApplicationError("Only an admin or owner may do this.", {field: ["Needs the admin role."]},
                               status_code=403)


def require_same_org(organization_id: int, obj, field: str) -> None:
    if obj is not None and obj.organization_id != organization_id:
        raise ApplicationError("Not found in this organization.", {field: ["Not an object of this organization."]})


def unknown_fields(changes: dict, editable: set[str]) -> None:
    unknown = set(changes) - editable
    if unknown:
        raise ApplicationError("Not editable here.", {name: ["Not editable here."] for name in sorted(unknown)})
