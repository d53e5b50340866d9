"""Leadership's console for status updates, message templates, affected users and their email campaigns
(progress: queued / sent / failed / total). Scoped by ``tenancy.admin_base``; every write calls a service."""

from django import forms
from django.contrib import admin

from comms import templating
from comms.models import AffectedUser, EmailCampaign, MessageTemplate, StatusUpdate
from comms.services import affected, templates
from comms.services.campaigns import campaign_progress
from tenancy.admin_base import OrganizationScopedModelAdmin, ReadOnlyAdminMixin, ServiceAdminMixin
from tenancy.errors import ApplicationError


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["incident", "audience", "status", "title", "posted_by", "posted_at", "next_update_at",
                    "organization"]
    list_filter = ["audience", "status", "organization"]
    search_fields = ["title", "body", "incident__title"]
    list_select_related = ["incident", "posted_by", "organization"]
    date_hierarchy = "posted_at"


class MessageTemplateForm(forms.ModelForm):
    """Checked in the sandbox like the API: a syntax error or unknown variable is shown on its field."""

    class Meta:
        model = MessageTemplate
        fields = ["organization", "kind", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "cols": 100})}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in templating.VARIABLES:
            try:
                templating.validate(kind, body=data.get("body") or "", subject=data.get("subject") or "")
            except ApplicationError as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        self.add_error(field, problem)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    form = MessageTemplateForm
    list_display = ["kind", "organization", "updated_by", "updated_at"]
    list_select_related = ["organization", "updated_by"]
    list_filter = ["kind", "organization"]
    readonly_fields = ["variables", "default_text"]

    @admin.display(description="Variables")
    def variables(self, obj):
        return ", ".join(sorted(templating.VARIABLES.get(obj.kind, {}))) if obj and obj.kind else ""

    @admin.display(description="The plan's text")
    def default_text(self, obj):
        return templating.DEFAULTS[obj.kind][1] if obj and obj.kind else ""

    def service_save(self, request, obj, form, formsets, change):
        return templates.message_template_save(
            organization=obj.organization, kind=obj.kind, body=obj.body, subject=obj.subject,
            updated_by=request.user, template=MessageTemplate.objects.filter(pk=obj.pk).first() if obj.pk else None)

    def service_delete(self, request, obj):
        templates.message_template_reset(template=obj)  # the plan's default applies again


@admin.register(AffectedUser)
class AffectedUserAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["email", "name", "incident", "created_at", "organization"]
    list_filter = ["organization"]
    search_fields = ["email", "name", "incident__title"]
    list_select_related = ["incident", "organization"]
    readonly_fields = ["organization", "incident", "email", "name", "extra", "created_at"]

    def has_add_permission(self, request, *args):
        return False  # imported through the API (JSON, CSV, paste)

    def has_change_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, form, formsets, change):
        raise ApplicationError("Affected users are imported through the API (JSON, CSV, paste), not edited here.")

    def service_delete(self, request, obj):
        affected.affected_user_delete(affected_user=obj)


@admin.register(EmailCampaign)
class EmailCampaignAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "incident", "state", "total", "queued", "sent", "failed", "created_at", "finished_at",
                    "organization"]
    list_filter = ["state", "organization"]
    list_select_related = ["incident", "organization"]
    readonly_fields = ["progress"]

    @admin.display(description="Queued")
    def queued(self, obj):
        return campaign_progress(obj)["queued"]

    @admin.display(description="Sent")
    def sent(self, obj):
        return campaign_progress(obj)["sent"]

    @admin.display(description="Failed")
    def failed(self, obj):
        return campaign_progress(obj)["failed"]

    @admin.display(description="Progress")
    def progress(self, obj):
        return ", ".join(f"{key}: {value}" for key, value in campaign_progress(obj).items())
