"""Leadership's console for on-call: schedules (layers and overrides inline, with the next
14 days of final shifts), escalation policies with their steps, responder groups.

Every save and delete calls ``oncall.services`` (``tenancy.admin_base.ServiceAdminMixin``), so the
admin refuses what the API refuses: deleting a schedule, layer or group a policy pages, a
repeat step that does not exist, two layers with one priority."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from oncall import selectors, services
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
    ServiceAdminMixin,
    formset_changes,
    stored,
)

SCHEDULE_FIELDS = ("name", "time_zone", "description")
OVERRIDE_FIELDS = ("user", "replaces_user", "start", "end", "note")
POLICY_FIELDS = ("name", "description", "repeat_count", "repeat_from_position", "is_default")


def _values(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


class LayerInline(OrganizationScopedTabularInline):
    """Rename, re-rank or delete layers; a rotation (participants, handoff) is set through the API."""

    model = Layer
    fields = ["name", "priority", "rotation"]
    readonly_fields = ["rotation"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

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
class ScheduleAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
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

    def service_save(self, request, obj, form, formsets, change):
        fields = _values(obj, SCHEDULE_FIELDS)
        if change:
            schedule = services.schedule_update(schedule=obj, **fields)
        else:
            schedule = services.schedule_create(organization=obj.organization, **fields)
        self.adopt(obj, schedule)
        for formset in formsets:
            new, changed, deleted = formset_changes(formset)
            if formset.model is Override:
                self._save_overrides(request, schedule, new, changed, deleted)
            else:
                self._save_layers(changed, deleted)
        return schedule

    @staticmethod
    def _save_overrides(request, schedule, new, changed, deleted):
        for override in new:
            services.override_create(schedule=schedule, created_by=request.user, **_values(override, OVERRIDE_FIELDS))
        for override in changed:
            services.override_update(override=stored(override), **_values(override, OVERRIDE_FIELDS))
        for override in deleted:
            services.override_delete(override=override)

    @staticmethod
    def _save_layers(changed, deleted):
        for layer in deleted:
            services.layer_delete(layer=layer)
        for layer in changed:
            services.layer_update(layer=stored(layer), name=layer.name, priority=layer.priority)

    def service_delete(self, request, obj):
        services.schedule_delete(schedule=obj)


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
class LayerAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["__str__", "schedule", "priority", "organization"]
    list_filter = ["organization"]
    fields = ["schedule", "name", "priority"]
    readonly_fields = ["schedule"]
    inlines = [LayerVersionInline]

    def has_add_permission(self, request, *args):
        return False

    def service_save(self, request, obj, form, formsets, change):
        return services.layer_update(layer=stored(obj), name=obj.name, priority=obj.priority)

    def service_delete(self, request, obj):
        services.layer_delete(layer=obj)


class EscalationStepInline(OrganizationScopedStackedInline):
    model = EscalationStep
    fields = ["position", "delay_minutes", "users", "schedules", "groups"]
    filter_horizontal = ["users", "schedules", "groups"]
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "repeat_count", "is_default", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]
    inlines = [EscalationStepInline]

    @staticmethod
    def _steps(formsets) -> list[dict] | None:
        """The steps as the forms leave them, in position order (None: the inline was not on the page)."""
        for formset in formsets:
            if formset.model is EscalationStep:
                forms = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
                forms.sort(key=lambda f: (f.cleaned_data.get("position") or 0))
                return [{"delay_minutes": f.cleaned_data.get("delay_minutes", 15),
                         **{name: list(f.cleaned_data.get(name) or []) for name in ("users", "schedules", "groups")}}
                        for f in forms]
        return None

    def service_save(self, request, obj, form, formsets, change):
        fields, steps = _values(obj, POLICY_FIELDS), self._steps(formsets)
        if change:
            return services.escalation_policy_update(policy=obj, steps=steps, **fields)
        return services.escalation_policy_create(organization=obj.organization, steps=steps or [], **fields)

    def service_delete(self, request, obj):
        services.escalation_policy_delete(policy=obj)


@admin.register(ResponderGroup)
class ResponderGroupAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def service_save(self, request, obj, form, formsets, change):
        members = list(form.cleaned_data.get("members") or [])
        if change:
            return services.responder_group_update(group=stored(obj), name=obj.name, description=obj.description,
                                                   members=members)
        return services.responder_group_create(organization=obj.organization, name=obj.name,
                                               description=obj.description, members=members)

    def service_delete(self, request, obj):
        services.responder_group_delete(group=obj)


@admin.register(OncallPreference)
class OncallPreferenceAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["user", "organization", "handoff_lead_time", "handoff_notices"]
    list_filter = ["organization"]

    def service_save(self, request, obj, form, formsets, change):
        return services.oncall_preference_update(organization=obj.organization, user=obj.user,
                                                 handoff_lead_time=obj.handoff_lead_time,
                                                 handoff_notices=obj.handoff_notices)

    def service_delete(self, request, obj):
        services.oncall_preference_delete(preference=obj)
