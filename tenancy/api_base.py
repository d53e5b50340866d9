"""The tenancy wall for the REST API. Every org-scoped endpoint inherits from here.

- ``OrganizationScopedMixin`` resolves the org from ``<org_slug>`` once, checks the caller's
  membership (unknown org, non-member or a token of another org → 404) and their role for
  the action (``required_roles`` must list every action), and scopes the queryset.
  Subclasses never override ``get_queryset``: they implement ``get_base_queryset``.
- ``OrgRelatedField`` / ``OrgMemberField`` only accept objects of the URL's organization.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework import exceptions, serializers, viewsets
from rest_framework.views import APIView

from tenancy.enums import Role
from tenancy.models import ApiToken, Membership, Organization

READ = Role.VIEWER
INCIDENT_WORK = Role.RESPONDER
CONFIGURE = Role.ADMIN

# Read-only and write sets most viewsets use.
READ_ACTIONS = {"list": READ, "retrieve": READ, "metadata": READ}
CONFIG_ACTIONS = {**READ_ACTIONS, "create": CONFIGURE, "update": CONFIGURE, "partial_update": CONFIGURE,
                  "destroy": CONFIGURE}
WORK_ACTIONS = {**READ_ACTIONS, "create": INCIDENT_WORK, "update": INCIDENT_WORK, "partial_update": INCIDENT_WORK,
                "destroy": INCIDENT_WORK}


def resolve_membership(request, org_slug: str) -> tuple[Organization, Membership]:
    """The org of the URL and the caller's membership in it, or 404 without saying which."""
    not_found = exceptions.NotFound("Organization not found.")
    membership = (
        Membership.objects.select_related("organization")
        .filter(organization__slug=org_slug, user_id=request.user.pk)
        .first()
    )
    if membership is None:
        raise not_found
    token = request.auth
    if isinstance(token, ApiToken) and token.organization_id != membership.organization_id:
        raise not_found
    return membership.organization, membership


class OrganizationScopedMixin:
    required_roles: dict[str, str] = {}
    organization_field = "organization"

    organization: Organization
    membership: Membership

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must implement get_base_queryset, not get_queryset.")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.organization, self.membership = resolve_membership(request, kwargs["org_slug"])
        self.check_role(self.current_action())

    def current_action(self) -> str:
        action = getattr(self, "action", None)
        return action or self.request.method.lower()

    def check_role(self, action: str) -> None:
        if action in ("metadata", "options"):
            return
        if action not in self.required_roles:
            raise ImproperlyConfigured(f"{type(self).__name__}.required_roles does not list the action '{action}'.")
        required = self.required_roles[action]
        if not Role.at_least(self.membership.role, required):
            raise exceptions.PermissionDenied(f"This needs the {Role(required).label.lower()} role or higher.")

    def has_role(self, role: str) -> bool:
        return Role.at_least(self.membership.role, role)

    def get_base_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> QuerySet:
        queryset = self.get_base_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.filter(**{self.organization_field: self.organization})

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "organization"):
            context["organization"] = self.organization
            context["membership"] = self.membership
        return context


class OrganizationScopedViewSet(OrganizationScopedMixin, viewsets.ModelViewSet):
    """CRUD on a tenant-owned model; create sets the org from the URL, never the body."""

    def perform_create(self, serializer):
        serializer.save(organization=self.organization)


class OrganizationScopedReadOnlyViewSet(OrganizationScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class OrganizationScopedGenericViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    pass


class OrganizationScopedAPIView(OrganizationScopedMixin, APIView):
    """A plain view under /orgs/<slug>/ (roles keyed by HTTP method: get, post…)."""


class OrgRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects of the request's organization."""

    def __init__(self, *args, organization_field: str = "organization", **kwargs):
        self.organization_field = organization_field
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        organization = self.context.get("organization")
        if organization is None:
            return queryset.none()
        return queryset.filter(**{self.organization_field: organization})


class OrgMemberField(serializers.PrimaryKeyRelatedField):
    """A user id that must belong to a member of the request's organization."""

    default_error_messages = {"does_not_exist": "User {pk_value} is not a member of this organization."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        organization = self.context.get("organization")
        if organization is None:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(memberships__organization=organization)


__all__ = [
    "CONFIGURE",
    "CONFIG_ACTIONS",
    "INCIDENT_WORK",
    "READ",
    "READ_ACTIONS",
    "WORK_ACTIONS",
    "OrgMemberField",
    "OrgRelatedField",
    "OrganizationScopedAPIView",
    "OrganizationScopedGenericViewSet",
    "OrganizationScopedMixin",
    "OrganizationScopedReadOnlyViewSet",
    "OrganizationScopedViewSet",
]
