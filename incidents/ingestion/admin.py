"""Leadership's console for ingestion, scoped by ``tenancy.admin_base``. Keys are never shown
(rotate them through the API); edits go through the services."""

from django.contrib import admin, messages

from incidents.ingestion import services
from incidents.ingestion.models import Alert, Integration, MaintenanceWindow
from tenancy.admin_base import OrganizationScopedModelAdmin, ReadOnlyAdminMixin, ServiceAdminMixin, stored


@admin.register(Integration)
class IntegrationAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "kind", "service", "organization", "enabled", "rate_limit_per_minute", "auto_resolve"]
    list_filter = ["kind", "enabled", "auto_resolve"]
    search_fields = ["name"]
    fields = ["name", "service", "enabled", "severity_mapping", "rate_limit_per_minute", "rate_limit_burst",
              "auto_resolve", "basic_auth_username", "heartbeat_interval_minutes", "heartbeat_timeout_minutes",
              "kind", "organization", "routing_key_prefix", "sns_topic_arn", "created_at", "key_rotated_at"]
    readonly_fields = ["kind", "organization", "routing_key_prefix", "sns_topic_arn", "created_at", "key_rotated_at"]
    actions = ["rotate_keys"]

    def has_add_permission(self, request, *args):
        return False  # created through the API, which shows the key once

    def service_save(self, request, obj, form, formsets, change):
        names = [name for name in form.changed_data if name in services.integrations.CONFIG_FIELDS]
        return services.integration_update(integration=stored(obj),
                                           **{name: form.cleaned_data[name] for name in names})

    def service_delete(self, request, obj):
        services.integration_delete(integration=obj)

    @admin.action(description="Rotate the routing key (the new key is shown once)")
    def rotate_keys(self, request, queryset):
        for integration in queryset:
            integration, routing_key = services.integration_rotate_key(integration=integration)
            self.message_user(request, f"{integration.name}: new routing key {routing_key} "
                              f"({services.ingestion_url(integration, routing_key)})", messages.WARNING)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["service", "starts_at", "ends_at", "reason", "organization", "end_recorded_at"]
    list_filter = ["service"]
    fields = ["organization", "service", "starts_at", "ends_at", "reason"]

    def service_save(self, request, obj, form, formsets, change):
        values = {name: form.cleaned_data[name] for name in ("service", "starts_at", "ends_at", "reason")}
        if change:
            return services.maintenance_window_update(window=stored(obj), **values)
        return services.maintenance_window_create(organization=form.cleaned_data["organization"],
                                                  created_by=request.user, **values)

    def service_delete(self, request, obj):
        services.maintenance_window_delete(window=obj)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["summary", "dedup_key", "status", "severity", "integration", "incident", "received_at"]
    list_filter = ["status", "severity", "integration__kind"]
    search_fields = ["dedup_key", "summary"]
    date_hierarchy = "received_at"
