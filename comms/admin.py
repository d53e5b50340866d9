"""Leadership's console for comms: who is reached how, org destinations, the delivery ledger and the
escalation runs with their steps. Scoped by ``tenancy.admin_base``; saves, deletes and actions call
``comms.services`` (``ServiceAdminMixin``), so the admin validates URLs, channels and uniqueness as the
API does."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from comms import netguard
from comms.models import (
    ChannelThrottle,
    ChatDestination,
    ContactMethod,
    EscalationRun,
    Notification,
    NotificationRule,
    OutboundCircuit,
    SeverityRoute,
    WebhookDelivery,
    WebhookEndpoint,
)
from comms.services import contacts, paging
from incidents import services as incident_services
from tenancy.admin_base import (
    OrganizationScopedModelAdmin,
    OrganizationScopedTabularInline,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    stored,
)
from tenancy.errors import ApplicationError


class SecretUrlForm(forms.ModelForm):
    """The URL is write-only: blank on change keeps the stored one (the service encrypts it)."""

    url = forms.URLField(required=False, assume_scheme="https", help_text="Stored encrypted; leave blank to keep.")

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("url"):
            self.add_error("url", "A URL is required.")
        elif data.get("url"):
            try:
                netguard.check_url(data["url"])
            except netguard.UnsafeURL as exc:
                self.add_error("url", str(exc))
        return data


class _DeleteThroughService(ServiceAdminMixin):
    def service_delete(self, request, obj):
        contacts.object_delete(obj=obj)


def _form_values(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class ChatDestinationForm(SecretUrlForm):
    class Meta:
        model = ChatDestination
        fields = ["organization", "name", "format", "url", "severities", "is_default", "is_active"]


class WebhookEndpointForm(SecretUrlForm):
    class Meta:
        model = WebhookEndpoint
        fields = ["organization", "name", "url", "events", "is_active"]


@admin.register(ContactMethod)
class ContactMethodAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["user", "kind", "value_hint", "label", "verified", "organization"]
    list_filter = ["kind", "verified", "organization"]
    search_fields = ["user__email", "user__name", "value_hint", "label"]
    list_select_related = ["user", "organization"]
    readonly_fields = ["organization", "user", "kind", "value_hint", "created_at"]
    fields = ["organization", "user", "kind", "value_hint", "label", "verified", "position", "created_at"]
    actions = ["mark_verified"]

    def has_add_permission(self, request, *args):
        return False  # added through the API (values are validated and encrypted there)

    def service_save(self, request, obj, form, formsets, change):
        return contacts.contact_method_update(method=obj, **_form_values(form, ("label", "verified", "position")))

    def service_delete(self, request, obj):
        contacts.contact_method_delete(method=obj)

    @admin.action(description="Mark the selected contact methods verified")
    def mark_verified(self, request, queryset):
        for method in queryset:
            contacts.contact_method_update(method=method, verified=True)
        self.message_user(request, f"{queryset.count()} marked verified.", messages.SUCCESS)


@admin.register(NotificationRule)
class NotificationRuleAdmin(_DeleteThroughService, OrganizationScopedModelAdmin):
    list_display = ["user", "urgency", "channel", "delay_minutes", "organization"]
    list_filter = ["urgency", "channel", "organization"]
    search_fields = ["user__email", "user__name"]

    def service_save(self, request, obj, form, formsets, change):
        return contacts.notification_rule_save(
            organization=obj.organization, user=obj.user, urgency=obj.urgency, channel=obj.channel,
            delay_minutes=obj.delay_minutes, position=obj.position, rule=stored(obj) if change else None)


@admin.register(ChatDestination)
class ChatDestinationAdmin(_DeleteThroughService, OrganizationScopedModelAdmin):
    form = ChatDestinationForm
    list_display = ["name", "format", "url_hint", "severities", "is_default", "is_active", "organization"]
    list_filter = ["is_active", "format", "organization"]

    def service_save(self, request, obj, form, formsets, change):
        data = _form_values(form, ("name", "format", "severities", "is_default", "is_active"))
        if form.cleaned_data.get("url"):
            data["url"] = form.cleaned_data["url"]
        if change:
            return contacts.chat_destination_update(destination=obj, **data)
        return contacts.chat_destination_create(organization=obj.organization, **data)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_DeleteThroughService, OrganizationScopedModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url_hint", "events", "is_active", "organization"]
    list_filter = ["is_active", "organization"]

    def service_save(self, request, obj, form, formsets, change):
        data = _form_values(form, ("name", "events", "is_active"))
        if form.cleaned_data.get("url"):
            data["url"] = form.cleaned_data["url"]
        if change:
            return contacts.webhook_endpoint_update(endpoint=obj, **data)
        endpoint, secret = contacts.webhook_endpoint_create(organization=obj.organization, **data)
        self.message_user(request, f"Signing secret (shown once): {secret}", messages.WARNING)
        return endpoint


@admin.register(SeverityRoute)
class SeverityRouteAdmin(_DeleteThroughService, OrganizationScopedModelAdmin):
    list_display = ["severity_name", "person_channels", "announce_emails", "organization"]
    list_filter = ["organization"]

    def service_save(self, request, obj, form, formsets, change):
        return contacts.severity_route_save(
            organization=obj.organization, severity_name=obj.severity_name, person_channels=obj.person_channels,
            announce_emails=obj.announce_emails, route=stored(obj) if change else None)


@admin.register(ChannelThrottle)
class ChannelThrottleAdmin(_DeleteThroughService, OrganizationScopedModelAdmin):
    list_display = ["channel", "max_count", "per_seconds", "organization"]
    list_filter = ["channel", "organization"]

    def service_save(self, request, obj, form, formsets, change):
        return contacts.channel_throttle_save(organization=obj.organization, channel=obj.channel,
                                              max_count=obj.max_count, per_seconds=obj.per_seconds,
                                              throttle=stored(obj) if change else None)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["id", "incident", "purpose", "channel", "recipient", "address", "state", "step_number", "loop",
                    "attempts", "due_at", "sent_at", "organization"]
    list_filter = ["state", "channel", "purpose", "organization"]
    search_fields = ["idempotency_key", "address", "recipient__email", "provider_message_id"]
    list_select_related = ["incident", "recipient", "organization"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    @admin.display(description="step")
    def step_number(self, obj):
        return None if obj.step is None else obj.step + 1


class NotificationInline(ReadOnlyAdminMixin, OrganizationScopedTabularInline):
    model = Notification
    fields = ["purpose", "channel", "recipient", "address", "state", "step", "loop", "due_at", "sent_at",
              "attempts", "last_error"]
    readonly_fields = fields
    extra = 0
    ordering = ["created_at"]


@admin.register(EscalationRun)
class EscalationRunAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["incident", "state", "step_display", "loop", "next_step_due_at", "started_at", "organization"]
    list_filter = ["state", "organization"]
    list_select_related = ["incident", "organization"]
    readonly_fields = ["incident", "state", "step_display", "loop", "next_step_due_at", "severity_name", "started_at",
                       "ended_at", "ended_reason", "steps_table"]
    fields = readonly_fields
    inlines = [NotificationInline]
    actions = ["acknowledge", "escalate_now"]

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)  # the actions need it; every field is read-only

    @admin.display(description="current step")
    def step_display(self, obj):
        return f"{obj.current_step + 1} of {len(obj.steps)}" if obj.current_step >= 0 else "—"

    @admin.display(description="steps (policy snapshot)")
    def steps_table(self, obj):
        snapshot = obj.policy_snapshot or {}
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{} min</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((i + 1, s.get("delay_minutes"), s.get("user_ids"), s.get("schedule_ids"), s.get("group_ids"))
             for i, s in enumerate(obj.steps)))
        return format_html("<p>{} (repeat {} times)</p><table><tr><th>Step</th><th>Then wait</th><th>Users</th>"
                           "<th>Schedules</th><th>Groups</th></tr>{}</table>", snapshot.get("name", "no policy"),
                           snapshot.get("repeat_count", 0), rows)

    @admin.action(description="Acknowledge (stops all paging of these incidents)")
    def acknowledge(self, request, queryset):
        for run in queryset.select_related("incident"):
            incident_services.incident_acknowledge(incident=run.incident, actor=request.user, via="admin")
            paging.paging_stop(incident=run.incident, reason=f"acknowledged by {request.user} (admin)")
        self.message_user(request, f"Acknowledged {queryset.count()} incident(s).", messages.SUCCESS)

    @admin.action(description="Escalate now (page the next step)")
    def escalate_now(self, request, queryset):
        for run in queryset.select_related("incident"):
            try:
                paging.escalation_escalate_now(incident=run.incident, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"#{run.incident.number}: {error.message}", messages.ERROR)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["delivery_id", "endpoint", "event", "incident", "state", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at"]
    list_filter = ["state", "event", "organization"]
    list_select_related = ["endpoint", "incident"]


@admin.register(OutboundCircuit)
class OutboundCircuitAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    """Which destinations are failing and until when they are skipped (written only by the senders)."""

    list_display = ["hint", "failures", "open_until", "last_failure_at", "last_reason", "organization"]
    list_filter = ["organization"]
    search_fields = ["hint"]


from comms import admin_status  # noqa: E402, F401 — registers the status-update and campaign pages
