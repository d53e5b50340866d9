"""Leadership's console for incidents. Thin: state changes go through ``incidents.services``."""

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
from tenancy.admin_base import (
    OrganizationScopedModelAdmin,
    OrganizationScopedTabularInline,
    ReadOnlyAdminMixin,
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
    model = Participant
    extra = 0
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
class IncidentAdmin(OrganizationScopedModelAdmin):
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


@admin.register(Severity)
class SeverityAdmin(OrganizationScopedModelAdmin):
    list_display = ["name", "label", "organization", "rank", "ack_sla", "update_interval", "war_room"]
    list_filter = ["organization"]
    ordering = ["organization", "rank"]


@admin.register(Service)
class ServiceAdmin(OrganizationScopedModelAdmin):
    list_display = ["name", "organization", "escalation_policy", "owner_team"]
    list_filter = ["organization"]
    search_fields = ["name", "owner_team"]


@admin.register(RootCauseCategory)
class RootCauseCategoryAdmin(OrganizationScopedModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Runbook)
class RunbookAdmin(OrganizationScopedModelAdmin):
    list_display = ["title", "organization", "updated_at"]
    list_filter = ["organization", "services"]
    search_fields = ["title", "symptoms"]
    filter_horizontal = ["services"]
