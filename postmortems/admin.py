"""Leadership's console for post-mortems, the action-item tracker, drills and training. Thin: every
write goes through ``postmortems.services`` (``tenancy.admin_base.ServiceAdminMixin``: a refusal is an
error message and nothing is written; the bulk actions show each object's refusal and go on)."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, XLSX
from unfold.contrib.import_export.forms import ExportForm

from postmortems import resources, services
from postmortems.enums import OPEN_ITEM_STATUSES, ActionItemStatus
from postmortems.models import ActionItem, Drill, Mail, PostMortem, TimelineEntry, TrainingRecord, Why
from tenancy.admin_base import (
    REFUSALS,
    OrganizationScopedModelAdmin,
    OrganizationScopedTabularInline,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    refusal_message,
    stored,
)
from tenancy.errors import ApplicationError


def _changes(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


def _each(model_admin, request, queryset, write) -> int:
    """A bulk action: ``write(obj)`` (a service call) for each object the user may write (the list also
    shows objects of organizations where they only view); a refusal is shown for that object and the
    others go on. Returns how many were written."""
    written = 0
    for obj in queryset:
        if not model_admin._allowed(request, obj):
            raise PermissionDenied
        try:
            write(obj)
        except REFUSALS as error:
            model_admin.message_user(request, f"{obj}: {refusal_message(error)}", messages.ERROR)
        else:
            written += 1
    return written


class TimelineEntryInline(ReadOnlyAdminMixin, OrganizationScopedTabularInline):
    model = TimelineEntry
    extra = 0
    fields = ["at", "text", "source"]
    readonly_fields = fields


class WhyInline(ReadOnlyAdminMixin, OrganizationScopedTabularInline):
    model = Why
    extra = 0
    fields = ["position", "why", "because"]
    readonly_fields = fields


class ActionItemInline(ReadOnlyAdminMixin, OrganizationScopedTabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_date", "priority", "status", "done_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(PostMortem)
class PostMortemAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["__str__", "organization", "status", "owner", "due_at", "meeting_at", "published_at",
                    "waived_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["incident", "organization", "owner"]
    search_fields = ["incident__title", "summary", "root_cause"]
    readonly_fields = ["organization", "incident", "status", "published_at", "waived_at", "waived_by",
                       "waived_reason", "meeting_at", "created_at"]
    fields = ["organization", "incident", "status", "owner", "attendees", "due_at", "summary", "root_cause",
              "root_cause_category", "users_affected", "revenue_lost", "revenue_currency", "applications_missed",
              "other_impact", "went_well", "went_poorly", "lessons", "meeting_at", "published_at", "waived_at",
              "waived_by", "waived_reason", "created_at"]
    filter_horizontal = ["attendees"]
    inlines = [TimelineEntryInline, WhyInline, ActionItemInline]
    actions = ["send_to_review", "publish"]

    def has_add_permission(self, request, *args):
        return False  # opened when an incident resolves, or through the API

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, form, formsets, change):
        changes = _changes(form, services.postmortem.EDITABLE)  # attendees too; the inlines are read-only
        if "attendees" in changes:
            changes["attendees"] = list(changes["attendees"])
        return services.postmortem_update(postmortem=stored(obj), actor=request.user, **changes)

    def service_delete(self, request, obj):
        raise ApplicationError("A post-mortem is kept: waive it instead.")

    def _move(self, request, queryset, status):
        _each(self, request, queryset,
              lambda postmortem: services.postmortem_update(postmortem=postmortem, actor=request.user, status=status))

    @admin.action(description="Send the selected post-mortems to review", permissions=["change"])
    def send_to_review(self, request, queryset):
        self._move(request, queryset, "in_review")

    @admin.action(description="Publish the selected post-mortems", permissions=["change"])
    def publish(self, request, queryset):
        self._move(request, queryset, "published")


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        overdue = {"status__in": OPEN_ITEM_STATUSES, "due_date__lt": timezone.localdate()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


ITEM_FIELDS = ["title", "owner", "due_date", "priority", "status", "tracker_url"]


class TrackerExport(ExportActionMixin):
    """CSV/XLSX export of the changelist (selected rows, or the filtered list from the export button)."""

    export_form_class = ExportForm
    formats = [CSV, XLSX]


@admin.register(ActionItem)
class ActionItemAdmin(TrackerExport, ServiceAdminMixin, OrganizationScopedModelAdmin):
    """The tracker: filter by owner, status, overdue and incident; change many at once; export."""

    resource_classes = [resources.ActionItemResource]
    actions = ["mark_in_progress", "mark_done", "mark_wont_do", "reopen"]

    list_display = ["title", "organization", "incident", "owner", "due_date", "priority", "status", "done_at"]
    list_filter = [("owner", admin.RelatedOnlyFieldListFilter), "status", OverdueFilter,
                   ("incident", admin.RelatedOnlyFieldListFilter), "priority", "organization"]
    list_select_related = ["organization", "incident", "owner"]
    search_fields = ["title"]
    fields = ["organization", "postmortem", "incident", *ITEM_FIELDS, "done_at", "version"]
    readonly_fields = ["done_at", "version"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "organization", "postmortem", "incident"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # "won't do" keeps the record

    def service_save(self, request, obj, form, formsets, change):
        if change:
            return services.action_item_update(item=stored(obj), **_changes(form, ITEM_FIELDS))
        data = {name: form.cleaned_data.get(name) for name in ITEM_FIELDS}
        data["tracker_url"] = data["tracker_url"] or ""
        return services.action_item_create(
            organization=form.cleaned_data["organization"], postmortem=form.cleaned_data.get("postmortem"),
            incident=form.cleaned_data.get("incident"), **data)

    def service_delete(self, request, obj):
        raise ApplicationError("An action item is kept: mark it won't do.")

    def _set_status(self, request, queryset, status: str) -> None:
        """Bulk status change: one service call per item (its webhook event, its done_at)."""
        changed = _each(self, request, queryset, lambda item: services.action_item_update(item=item, status=status))
        self.message_user(request, f"{changed} action item(s) now {ActionItemStatus(status).label.lower()}.",
                          messages.SUCCESS)

    @admin.action(description="Mark the selected items in progress", permissions=["change"])
    def mark_in_progress(self, request, queryset):
        self._set_status(request, queryset, ActionItemStatus.IN_PROGRESS)

    @admin.action(description="Mark the selected items done", permissions=["change"])
    def mark_done(self, request, queryset):
        self._set_status(request, queryset, ActionItemStatus.DONE)

    @admin.action(description="Mark the selected items won't do", permissions=["change"])
    def mark_wont_do(self, request, queryset):
        self._set_status(request, queryset, ActionItemStatus.WONT_DO)

    @admin.action(description="Reopen the selected items", permissions=["change"])
    def reopen(self, request, queryset):
        self._set_status(request, queryset, ActionItemStatus.OPEN)


class TrainingRecordInline(ReadOnlyAdminMixin, OrganizationScopedTabularInline):
    model = TrainingRecord
    extra = 0
    fields = ["user", "course", "completed_at", "expires_at"]
    readonly_fields = fields


DRILL_FIELDS = ["title", "runbook", "scenario", "severity_name", "service", "scheduled_at", "facilitator",
                "page_people", "participants"]


@admin.register(Drill)
class DrillAdmin(ServiceAdminMixin, OrganizationScopedModelAdmin):
    list_display = ["title", "organization", "scheduled_at", "status", "facilitator", "incident", "completed_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["organization", "facilitator", "incident"]
    fields = ["organization", *DRILL_FIELDS, "status", "incident", "started_at", "completed_at", "outcome_notes",
              "findings"]
    readonly_fields = ["status", "incident", "started_at", "completed_at"]
    filter_horizontal = ["participants"]
    inlines = [TrainingRecordInline]
    actions = ["run", "complete"]

    def service_save(self, request, obj, form, formsets, change):
        # participants are set by the service too; the inline is read-only
        if change:
            changes = _changes(form, [*DRILL_FIELDS, "outcome_notes", "findings"])
            if "participants" in changes:
                changes["participants"] = list(changes["participants"])
            return services.drill_update(drill=stored(obj), **changes)
        data = {name: form.cleaned_data.get(name) for name in DRILL_FIELDS}
        data["participants"] = list(data["participants"] or [])
        return services.drill_create(organization=form.cleaned_data["organization"], **data)

    def service_delete(self, request, obj):
        services.object_delete(obj=obj)  # refused for a running drill

    @admin.action(description="Run the selected drills (opens a drill incident)", permissions=["change"])
    def run(self, request, queryset):
        _each(self, request, queryset, lambda drill: services.drill_run(drill=drill, actor=request.user))

    @admin.action(description="Complete the selected drills (records training)", permissions=["change"])
    def complete(self, request, queryset):
        _each(self, request, queryset, lambda drill: services.drill_complete(drill=drill))


TRAINING_FIELDS = ["user", "course", "completed_at", "expires_at", "evidence_url"]
EXPIRING_WITHIN = timedelta(days=30)


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [("soon", "Expiring within 30 days"), ("expired", "Expired"), ("current", "Current")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "soon":
            return queryset.filter(expires_at__gte=now, expires_at__lt=now + EXPIRING_WITHIN)
        if self.value() == "expired":
            return queryset.filter(expires_at__lt=now)
        if self.value() == "current":
            return queryset.exclude(expires_at__lt=now)
        return queryset


@admin.register(TrainingRecord)
class TrainingRecordAdmin(TrackerExport, ServiceAdminMixin, OrganizationScopedModelAdmin):
    """The training tracker: who is trained in what until when; expiring soon; export."""

    resource_classes = [resources.TrainingRecordResource]
    list_display = ["user", "course", "organization", "completed_at", "expires_at", "drill"]
    list_filter = [ExpiryFilter, "course", "organization", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization", "user", "drill"]
    fields = ["organization", *TRAINING_FIELDS, "drill"]
    readonly_fields = ["drill"]

    def service_save(self, request, obj, form, formsets, change):
        if change:
            return services.training_record_update(record=stored(obj), **_changes(form, TRAINING_FIELDS))
        data = {name: form.cleaned_data.get(name) for name in TRAINING_FIELDS}
        data["evidence_url"] = data["evidence_url"] or ""
        return services.training_record_create(organization=form.cleaned_data["organization"], **data)

    def service_delete(self, request, obj):
        services.object_delete(obj=obj)


@admin.register(Mail)
class MailAdmin(ReadOnlyAdminMixin, OrganizationScopedModelAdmin):
    """The ledger of invitations, reminders and monthly reviews (written by services only)."""

    list_display = ["kind", "to", "subject", "organization", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "state", "organization"]
    search_fields = ["to", "subject", "key"]
