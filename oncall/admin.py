"""Leadership's console for on-call: schedules (layers and overrides inline, with the next
14 days of final shifts), escalation policies with their steps, responder groups."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from oncall import selectors
from oncall.models import (
    EscalationPolicy,
    EscalationStep,
    Layer,
    LayerVersion,
    OncallPreference,
    Override,
    ResponderGroup,
    Schedule,
)
from tenancy.admin_base import (
    OrganizationScopedModelAdmin,
    OrganizationScopedStackedInline,
    OrganizationScopedTabularInline,
)


class _ChildrenOfOrgMixin:
    """Inline rows carry the organization of their parent (never chosen in a form)."""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if hasattr(instance, "organization_id") and not instance.organization_id:
                instance.organization_id = form.instance.organization_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class LayerInline(OrganizationScopedTabularInline):
    model = Layer
    fields = ["name", "priority", "rotation"]
    readonly_fields = ["rotation"]
    extra = 0
    show_change_link = True

    @admin.display(description="current rotation")
    def rotation(self, layer):
        if layer.pk is None:
            return "-"
        version = layer.versions.order_by(F("effective_from").desc(nulls_last=True), "-id").first()
        if version is None:
            return "-"
        return f"{version.shift_length} {version.rotation_type}, from {version.rotation_start:%Y-%m-%d %H:%M} local"


class OverrideInline(OrganizationScopedTabularInline):
    model = Override
    fields = ["user", "replaces_user", "start", "end", "note"]
    extra = 0
    autocomplete_fields = ["user", "replaces_user"]


@admin.register(Schedule)
class ScheduleAdmin(_ChildrenOfOrgMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "time_zone", "organization", "updated_at"]
    list_filter = ["organization"]
    search_fields = ["name"]
    readonly_fields = ["next_14_days"]
    fields = ["organization", "name", "time_zone", "description", "next_14_days"]
    inlines = [LayerInline, OverrideInline]

    @admin.display(description="next 14 days (final shifts, overrides included)")
    def next_14_days(self, schedule):
        if schedule.pk is None:
            return "-"
        now = timezone.now()
        zone = selectors.scheduling.ZoneInfo(schedule.time_zone)
        shifts = selectors.shifts(schedule, now, now + timedelta(days=14))
        if not shifts:
            return "Nobody is on call in the next 14 days."
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((s.user.name or s.user.email, f"{s.start.astimezone(zone):%a %d %b %H:%M}",
              f"{s.end.astimezone(zone):%a %d %b %H:%M %Z}", f"{s.source.type} {s.source.name or s.source.id}")
             for s in shifts),
        )
        return format_html("<table><tr><th>Who</th><th>From</th><th>Until</th><th>Source</th></tr>{}</table>", rows)


class LayerVersionInline(admin.TabularInline):
    model = LayerVersion
    fields = ["effective_from", "participants", "rotation_type", "shift_length", "rotation_start", "end",
              "restrictions", "participant_offset"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # a change is a new version made by the schedule service, never an edit of history


@admin.register(Layer)
class LayerAdmin(OrganizationScopedModelAdmin):
    list_display = ["__str__", "schedule", "priority", "organization"]
    list_filter = ["organization"]
    fields = ["schedule", "name", "priority"]
    readonly_fields = ["schedule"]
    inlines = [LayerVersionInline]

    def has_add_permission(self, request, *args):
        return False


class EscalationStepInline(OrganizationScopedStackedInline):
    model = EscalationStep
    fields = ["position", "delay_minutes", "users", "schedules", "groups"]
    filter_horizontal = ["users", "schedules", "groups"]
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(_ChildrenOfOrgMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "repeat_count", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]
    inlines = [EscalationStepInline]


@admin.register(ResponderGroup)
class ResponderGroupAdmin(OrganizationScopedModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(OncallPreference)
class OncallPreferenceAdmin(OrganizationScopedModelAdmin):
    list_display = ["user", "organization", "handoff_lead_time", "handoff_notices"]
    list_filter = ["organization"]
