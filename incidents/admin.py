"""Leadership's console for incidents. Thin: state changes and the catalog's saves and deletes go
through ``incidents.services`` (``tenancy.admin_base.ServiceAdminMixin``)."""

from django.contrib import admin, messages

from incidents import services
from incidents.models import (
    ChecklistItem,
    Incident,
    Participant,
    RootCauseCategory,
    Runbook,
    Service,
    Severity,
    TimelineEvent,
)
from incidents.services import catalog
from tenancy.admin_base import (
    OrganizationScopedModelAdmin,
    OrganizationScopedTabularInline,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    formset_changes,
)
from tenancy.errors import ApplicationError


class TimelineEventInline(ReadOnlyAdminMixin, OrganizationScopedTabularInline):
    """The audit log: append-only, so read-only here."""

    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "payload"]
    readonly_fields = fields
    ordering = ["at", "id"]


class ParticipantInline(OrganizationScopedTabularInline):
    """Adding someone (or changing their role) is ``participant_add``, with its timeline event."""

    model = Participant
    extra = 0
    can_delete = False
    fields = ["user", "role", "added_at"]
    readonly_fields = ["added_at"]
    autocomplete_fields = ["user"]


class ChecklistItemInline(OrganizationScopedTabularInline):
    model = ChecklistItem
    extra = 0
    can_delete = False
    fields = ["checklist", "label", "done", "checked_by", "checked_at", "automatic"]
    readonly_fields = ["checklist", "label", "done", "checked_by", "checked_at", "automatic"]

    def has_add_permission(self, request, *args):
        return False


@admin.register(Incident)
class IncidentAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
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
    inlines = [ParticipantInline, ChecklistItemInline, TimelineEventInline]
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request, *args):
        return False  # incidents are opened through the API or by alerts, so numbering and paging happen

    def has_delete_permission(self, request, obj=None):
        return False  # the record of an incident is kept

    def service_save(self, request, obj, form, formsets, change):
        """Every field of the incident is read-only here; the war-room roster changes through the service."""
        for formset in formsets:
            if formset.model is Participant:
                new, changed, _deleted = formset_changes(formset)
                for participant in [*new, *changed]:
                    services.participant_add(incident=obj, user=participant.user, role=participant.role,
                                             actor=request.user)
        return obj

    def service_delete(self, request, obj):
        raise ApplicationError("The record of an incident is kept.")

    @admin.action(description="Acknowledge the selected incidents")
    def acknowledge(self, request, queryset):
        for incident in queryset:
            services.incident_acknowledge(incident=incident, actor=request.user, via="admin")
        self.message_user(request, f"Acknowledged {queryset.count()} incident(s).", messages.SUCCESS)

    @admin.action(description="Resolve the selected incidents (needs the verification checklist complete)")
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
