"""The tenancy wall for the Django admin (leadership's console).

A staff member sees only objects of organizations they belong to, and writes only where their
role allows it (``write_role``: admin for configuration, responder for incident work); forms
offer only objects of organizations where they may write. Viewers read and see no write
buttons. Superusers see everything. Every tenant-owned ModelAdmin and inline
uses ``OrganizationScopedAdminMixin``; ``organization_field`` names the path to the org
for models that reach it through a parent (e.g. ``"schedule__organization"``).

Writes go through services: ``ServiceAdminMixin`` (list it before the scoped base) turns the
admin's ``save_model``/``save_related``/``delete_model``/``delete_queryset`` into calls of
``service_save`` and ``service_delete``, which call the app's services; inline formsets reach
the same method through ``formset_changes``. A service's ``ApplicationError`` becomes an
error message on the page (nothing written), never a 500.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpResponseRedirect
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from tenancy import selectors
from tenancy.enums import Role
from tenancy.errors import ApplicationError
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


class ScopedOrganizationListFilter(admin.RelatedFieldListFilter):
    """The organization filter: only the organizations the user belongs to, hidden when there is one."""

    def field_choices(self, field, request, model_admin):
        return [(org.pk, str(org)) for org in organizations_where(request, Role.VIEWER).order_by("name")]

    @property
    def include_empty_choice(self):
        return False

    def has_output(self):
        return len(self.lookup_choices) > 1


class ScopedRelatedListFilter(admin.RelatedOnlyFieldListFilter):
    """Any other related filter (service, severity…): only objects the user's changelist refers to."""


class ScopedValuesListFilter(admin.AllValuesFieldListFilter):
    """A plain field reached through a relation (``severity__name``): Django would list the values of
    every tenant's rows; these are the values of the user's changelist only."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        queryset = model_admin.get_queryset(request).exclude(**{f"{field_path}__isnull": True})
        self.lookup_choices = queryset.distinct().order_by(field_path).values_list(field_path, flat=True)


def scoped_list_filter(model, entry):
    """``entry`` of a ``list_filter`` with the scoped filter class its field needs (others unchanged)."""
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except (FieldDoesNotExist, AttributeError):
        return entry
    if field.is_relation and field.related_model is Organization:
        return (entry, ScopedOrganizationListFilter)
    if field.is_relation:
        return (entry, ScopedRelatedListFilter)
    if "__" in entry:
        return (entry, ScopedValuesListFilter)
    return entry


class OrganizationScopedAdminMixin:
    organization_field = "organization"
    # The weakest role that may add, change or delete these objects (configuration: admin).
    write_role = Role.ADMIN

    def get_list_filter(self, request):
        """Every filter of a changelist offers only the user's organizations and their objects."""
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]

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


def formset_changes(formset) -> tuple[list[Model], list[Model], list[Model]]:
    """(new, changed, deleted) objects of a valid inline formset, with the form's values set on
    them but nothing written: the service writes them."""
    formset.save(commit=False)  # commit=False only fills new_objects/changed_objects/deleted_objects
    return list(formset.new_objects), [obj for obj, _fields in formset.changed_objects], list(formset.deleted_objects)


def stored(obj: Model) -> Model:
    """The row as stored (the admin's instance already carries the form's values)."""
    return type(obj)._default_manager.get(pk=obj.pk)


REFUSALS = (ApplicationError, ValidationError)


def refusal_message(error: Exception) -> str:
    return error.message if isinstance(error, ApplicationError) else "; ".join(error.messages)


class ServiceAdminMixin:
    """An admin whose every write is a service call.

    Implement ``service_save(request, obj, form, formsets, change) -> saved object`` (``obj`` is
    the form's unsaved instance; read the values from ``form.cleaned_data`` and the inlines with
    ``formset_changes``) and ``service_delete(request, obj)``. Refusals (``ApplicationError``)
    are shown as messages and the admin's transaction is rolled back.
    """

    def service_save(self, request, obj, form, formsets, change) -> Model:
        raise NotImplementedError(f"{type(self).__name__} must write through a service (service_save).")

    def service_delete(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} must delete through a service (service_delete).")

    @staticmethod
    def adopt(obj: Model, saved: Model) -> None:
        """Make the admin's instance the saved row (the admin logs it and redirects to it)."""
        obj.pk = saved.pk
        obj._state.adding = False

    def save_model(self, request, obj, form, change):
        if hasattr(self, "_allowed") and not self._allowed(request, obj):
            raise PermissionDenied
        # The write happens in save_related, where the inline formsets are at hand.

    def save_related(self, request, form, formsets, change):
        self.adopt(form.instance, self.service_save(request, form.instance, form, formsets, change))
        for formset in formsets:
            if not hasattr(formset, "new_objects"):
                formset_changes(formset)  # the change message reads them; nothing is written

    def delete_model(self, request, obj):
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.service_delete(request, obj)
            except REFUSALS as error:
                self.message_user(request, f"{obj}: {refusal_message(error)}", messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as error:  # raised inside the admin's transaction: nothing was written
            self.message_user(request, refusal_message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as error:
            self.message_user(request, refusal_message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
