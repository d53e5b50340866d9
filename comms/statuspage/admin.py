"""The status page in leadership's console: read-only views (every write goes through the API's
services), scoped by ``tenancy.admin_base``; a maintenance can be completed from here."""

from django.contrib import admin, messages

from comms.statuspage.enums import MaintenanceStatus
from comms.statuspage.models import Maintenance, StatusComponent, StatusPage, Subscriber, VendorFeed
from comms.statuspage.services import maintenance as maintenance_services
from tenancy.admin_base import OrganizationScopedModelAdmin, ReadOnlyAdminMixin
from tenancy.errors import ApplicationError


@admin.register(StatusPage)
class StatusPageAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["organization", "title", "enabled", "time_zone", "history_days", "updated_at"]
    list_filter = ["enabled"]


@admin.register(StatusComponent)
class StatusComponentAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "group", "position", "status_override", "only_show_if_degraded", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Maintenance)
class MaintenanceAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["title", "status", "scheduled_for", "scheduled_until", "suppress_alerts", "organization"]
    list_filter = ["status", "organization"]
    search_fields = ["title"]
    actions = ["complete"]

    @admin.action(description="Complete the selected maintenances now")
    def complete(self, request, queryset):
        done = 0
        for maintenance in queryset.exclude(status=MaintenanceStatus.COMPLETED):
            try:
                maintenance_services.maintenance_transition(maintenance=maintenance,
                                                            status=MaintenanceStatus.COMPLETED)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{maintenance}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{done} completed.", messages.SUCCESS)


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["email", "confirmed_at", "imported_reason", "created_at", "organization"]
    list_filter = ["organization"]
    search_fields = ["email"]


@admin.register(VendorFeed)
class VendorFeedAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "url", "indicator", "description", "last_success_at", "failures", "organization"]
    list_filter = ["organization"]
