"""The tenancy wall for the Django admin (leadership's console).

A staff member sees only objects of organizations they belong to, and writes only where their
role allows it (``write_role``: admin for configuration, responder for incident work); forms
offer only objects of organizations where they may write. Viewers read and see no write
buttons. Superusers see everything. Every tenant-owned ModelAdmin and inline
uses ``OrganizationScopedAdminMixin``; ``organization_field`` names the path to the org
for models that reach it through a parent (e.g. ``"schedule__organization"``).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from tenancy import selectors
from tenancy.enums import Role
from tenancy.models import Membership, Organization


def administered_organizations(request) -> QuerySet[Organization]:
    cache_name = "_foghorn_admin_orgs"
    if not hasattr(request, cache_name):
        if request.user.is_superuser:
            organizations = Organization.objects.all()
        else:
            organizations = selectors.organizations_administered_by(user=request.user)
        ids = list(organizations.values_list("pk", flat=True))
        setattr(request, cache_name, Organization.objects.filter(pk__in=ids))
    return getattr(request, cache_name)


def member_roles(request) -> dict[int, str]:
    """The staff user's role in each organization they belong to (cached on the request)."""
    cache_name = "_foghorn_admin_roles"
    if not hasattr(request, cache_name):
        roles = dict(Membership.objects.filter(user_id=request.user.pk).values_list("organization_id", "role"))
        setattr(request, cache_name, roles)
    return getattr(request, cache_name)


def organizations_where(request, role: str) -> QuerySet[Organization]:
    """Organizations where the request's user has ``role`` or a stronger one (all for superusers)."""
    if request.user.is_superuser:
        return Organization.objects.all()
    ids = [org_id for org_id, held in member_roles(request).items() if Role.at_least(held, role)]
    return Organization.objects.filter(pk__in=ids)


def _org_path_of(model) -> str | None:
    """The lookup from ``model`` to its organization, or None if it is not tenant-owned."""
    path = getattr(model, "admin_organization_field", None)
    if path:
        return path
    names = {field.name for field in model._meta.get_fields()}
    if model is Organization:
        return "pk"
    return "organization" if "organization" in names else None


def _obj_org_id(obj, path: str):
    if path == "pk":
        return obj.pk
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value.pk if isinstance(value, Organization) else value


class OrganizationScopedAdminMixin:
    organization_field = "organization"
    # The weakest role that may add, change or delete these objects (configuration: admin).
    write_role = Role.ADMIN

    def _role_in(self, request, org_id) -> str | None:
        return member_roles(request).get(org_id)

    def _may(self, request, role: str, obj=None) -> bool:
        user = request.user
        if user.is_superuser:
            return True
        if not (user.is_active and user.is_staff):
            return False
        if obj is None:
            return any(Role.at_least(held, role) for held in member_roles(request).values())
        org_id = _obj_org_id(obj, self.organization_field)
        if org_id is None:
            return any(Role.at_least(held, role) for held in member_roles(request).values())
        held = self._role_in(request, org_id)
        return held is not None and Role.at_least(held, role)

    def _allowed(self, request, obj=None) -> bool:
        """May the user write ``obj`` (or write at all)?"""
        return self._may(request, self.write_role, obj)

    def _scope(self, request, queryset: QuerySet, path: str, role: str = Role.VIEWER) -> QuerySet:
        if request.user.is_superuser:
            return queryset
        orgs = organizations_where(request, role)
        lookup = "pk__in" if path == "pk" else f"{path}__in"
        return queryset.filter(**{lookup: orgs}).distinct()

    def get_queryset(self, request):
        return self._scope(request, super().get_queryset(request), self.organization_field)

    def has_module_permission(self, request):
        return self._may(request, Role.VIEWER)

    def has_view_permission(self, request, obj=None):
        return self._may(request, Role.VIEWER, obj)

    def has_add_permission(self, request, *args):
        return self._may(request, self.write_role)

    def has_change_permission(self, request, obj=None):
        return self._may(request, self.write_role, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, self.write_role, obj)

    def _limit_choices(self, request, db_field, formfield):
        """Forms offer only objects of organizations where the user may write."""
        if formfield is None or request.user.is_superuser or not hasattr(formfield, "queryset"):
            return formfield
        related = db_field.related_model
        writable = organizations_where(request, self.write_role)
        if related is get_user_model():
            formfield.queryset = formfield.queryset.filter(memberships__organization__in=writable).distinct()
            return formfield
        path = _org_path_of(related)
        if path is not None:
            formfield.queryset = self._scope(request, formfield.queryset, path, self.write_role)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._limit_choices(request, db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._limit_choices(request, db_field, super().formfield_for_manytomany(db_field, request, **kwargs))

    def save_model(self, request, obj, form, change):
        if not self._may(request, self.write_role, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class ReadOnlyAdminMixin:
    """For records that are only ever written by services (timeline, alerts, the delivery ledger):
    shown in the admin, never added, changed or deleted there. Put it first among the bases."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrganizationScopedModelAdmin(OrganizationScopedAdminMixin, ModelAdmin):
    pass


class OrganizationScopedTabularInline(OrganizationScopedAdminMixin, TabularInline):
    pass


class OrganizationScopedStackedInline(OrganizationScopedAdminMixin, StackedInline):
    pass
