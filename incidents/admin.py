"""Leadership's console for incidents. Thin: state changes (the incident page's work actions,
incidents/console.py) and the catalog's saves and deletes go through ``incidents.services``
(``tenancy.admin_base.ServiceAdminMixin``)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from incidents import console, services
from incidents.models import (
    Incident,
    RootCauseCategory,
    Runbook,
    Service,
    Severity,
)
from incidents.services import catalog
from tenancy.admin_base import (
    OrganizationScopedModelAdmin,
    ServiceAdminMixin,
)
from tenancy.enums import Role
from tenancy.errors import ApplicationError


@admin.register(Incident)
class IncidentAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    """The list of incidents and the page a commander works one from (incidents/console.py).

    Nothing is edited through Django's form: every button posts a work action that calls a
    service, so the admin validates, records and announces exactly as the API does. Viewers see
    the page without any button; responders and up work it."""

    list_display = ["number", "title", "organization", "severity", "status", "service", "commander", "detected_at",
                    "is_drill"]
    list_display_links = ["number", "title"]
    list_filter = ["severity__name", "status", "service", "is_drill", "organization"]
    search_fields = ["title", "description", "root_cause"]
    list_select_related = ["organization", "severity", "service", "commander"]
    date_hierarchy = "detected_at"
    ordering = ["-detected_at"]
    readonly_fields = ["organization", "number", "title", "description", "severity", "service", "status", "commander",
                       "detected_at", "acknowledged_at", "resolved_at", "closed_at", "customer_impact", "root_cause",
                       "root_cause_category", "is_drill", "war_room_url", "alert_count", "source"]
    change_form_template = "incidents/admin/incident_work.html"
    actions = ["acknowledge", "resolve"]
    console_order = 0

    def has_add_permission(self, request, *args):
        return False  # incidents are opened through the API or by alerts, so numbering and paging happen

    def has_change_permission(self, request, obj=None):
        return False  # the page is read-only; work happens through the work actions below

    def has_delete_permission(self, request, obj=None):
        return False  # the record of an incident is kept

    def service_save(self, request, obj, form, formsets, change):
        raise ApplicationError("An incident changes through its work actions, not the form.")

    def service_delete(self, request, obj):
        raise ApplicationError("The record of an incident is kept.")

    def has_work_permission(self, request, obj=None) -> bool:
        return self._may(request, Role.RESPONDER, obj)

    def get_urls(self):
        work = self.admin_site.admin_view(self.work_view)
        return [path("<path:object_id>/work/<slug:action>/", work, name="incidents_incident_work"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if incident is not None:
            extra_context["work"] = console.work_context(request, incident)
            extra_context["can_work"] = self.has_work_permission(request, incident)
        return super().change_view(request, object_id, form_url, extra_context)

    def work_view(self, request, object_id, action):
        """POST one work action on the incident, then back to its page with what happened."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        incident = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_work_permission(request, incident):
            raise PermissionDenied
        handler = console.work_action(action)
        if handler is None:
            raise PermissionDenied
        try:
            self.message_user(request, handler(request, incident), messages.SUCCESS)
        except ApplicationError as error:
            details = "; ".join(f"{name}: {' '.join(map(str, problems))}" for name, problems in error.errors.items())
            self.message_user(request, f"{error.message} {details}".strip(), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))

    @admin.action(description="Acknowledge the selected incidents", permissions=["work"])
    def acknowledge(self, request, queryset):
        for incident in queryset:
            services.incident_acknowledge(incident=incident, actor=request.user, via="admin")
        self.message_user(request, f"Acknowledged {queryset.count()} incident(s).", messages.SUCCESS)

    @admin.action(description="Resolve the selected incidents (needs the verification checklist complete)",
                  permissions=["work"])
    def resolve(self, request, queryset):
        for incident in queryset:
            try:
                services.incident_resolve(incident=incident, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"#{incident.number}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"#{incident.number} resolved.", messages.SUCCESS)


class CatalogAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    """Saves and deletes through the catalog services (unique names, same-org links, in-use refusals)."""

    fields_written: tuple[str, ...] = ()
    create_service = update_service = delete_service = None
    instance_keyword = ""

    def service_save(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in self.fields_written if name in form.cleaned_data}
        if change:
            return self.update_service(**{self.instance_keyword: obj}, **data)
        return self.create_service(organization=form.cleaned_data["organization"], **data)

    def service_delete(self, request, obj):
        self.delete_service(**{self.instance_keyword: obj})


@admin.register(Severity)
class SeverityAdmin(CatalogAdmin):
    list_display = ["name", "label", "organization", "rank", "ack_sla", "update_interval", "war_room"]
    list_filter = ["organization"]
    ordering = ["organization", "rank"]
    fields_written = catalog.SEVERITY_FIELDS
    create_service = staticmethod(catalog.severity_create)
    update_service = staticmethod(catalog.severity_update)
    delete_service = staticmethod(catalog.severity_delete)
    instance_keyword = "severity"


@admin.register(Service)
class ServiceAdmin(CatalogAdmin):
    list_display = ["name", "organization", "escalation_policy", "owner_team"]
    list_filter = ["organization"]
    search_fields = ["name", "owner_team"]
    fields_written = catalog.SERVICE_FIELDS
    create_service = staticmethod(catalog.service_create)
    update_service = staticmethod(catalog.service_update)
    delete_service = staticmethod(catalog.service_delete)
    instance_keyword = "service"


@admin.register(RootCauseCategory)
class RootCauseCategoryAdmin(CatalogAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]
    fields_written = catalog.ROOT_CAUSE_CATEGORY_FIELDS
    create_service = staticmethod(catalog.root_cause_category_create)
    update_service = staticmethod(catalog.root_cause_category_update)
    delete_service = staticmethod(catalog.root_cause_category_delete)
    instance_keyword = "category"


@admin.register(Runbook)
class RunbookAdmin(CatalogAdmin):
    list_display = ["title", "organization", "updated_at"]
    list_filter = ["organization", "services"]
    search_fields = ["title", "symptoms"]
    filter_horizontal = ["services"]
    fields_written = catalog.RUNBOOK_FIELDS
    create_service = staticmethod(catalog.runbook_create)
    update_service = staticmethod(catalog.runbook_update)
    delete_service = staticmethod(catalog.runbook_delete)
    instance_keyword = "runbook"
