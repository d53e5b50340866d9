"""The Slack app in the admin: installations (removal uninstalls), settings (saved through the service),
and the read-only ledger, channels and received requests. Scoped by ``tenancy.admin_base``."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from comms.chatops.models import ChatOpsSettings, IncidentChannel, SlackAction, SlackInbound, SlackWorkspace
from comms.chatops.services import install
from comms.chatops.services.install import SETTINGS_FIELDS
from tenancy.admin_base import OrganizationScopedModelAdmin, ReadOnlyAdminMixin, ServiceAdminMixin, stored
from tenancy.errors import ApplicationError


@admin.register(SlackWorkspace)
class SlackWorkspaceAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    """Added only through the OAuth install; deleting one uninstalls the app (the token is revoked)."""

    list_display = ["team_name", "team_id", "organization", "installed_by", "installed_at"]
    fields = ["organization", "team_id", "team_name", "app_id", "bot_user_id", "scope", "installed_by",
              "installed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def service_save(self, request, obj, form, formsets, change):
        return stored(obj)  # every field is read-only: a reinstall through OAuth changes them, nothing here

    def service_delete(self, request, obj):
        if not self._allowed(request, obj):
            raise PermissionDenied
        install.slack_uninstall(organization=obj.organization)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.select_related("organization"))


@admin.register(ChatOpsSettings)
class ChatOpsSettingsAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["organization", "announcement_channel", "channel_name_pattern", "war_room_mode"]
    fields = ["organization", *SETTINGS_FIELDS]

    def service_save(self, request, obj, form, formsets, change):
        return install.chatops_settings_update(organization=obj.organization,
                                               **{name: getattr(obj, name) for name in SETTINGS_FIELDS})

    def has_delete_permission(self, request, obj=None):
        return False

    def service_delete(self, request, obj):
        raise ApplicationError("An organization's ChatOps settings are changed, not deleted.")


@admin.register(IncidentChannel)
class IncidentChannelAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "channel_id", "incident", "organization", "created_at"]
    list_select_related = ["incident", "organization"]


@admin.register(SlackAction)
class SlackActionAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["kind", "incident", "state", "attempts", "next_attempt_at", "last_error", "organization"]
    list_filter = ["kind", "state"]
    search_fields = ["idempotency_key"]
    list_select_related = ["incident", "organization"]


@admin.register(SlackInbound)
class SlackInboundAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["kind", "key", "received_at", "done_at", "attempts", "organization"]
    list_filter = ["kind"]
