"""What the trackers export (django-import-export): action items and training records as CSV or XLSX.

Export only: an import would write rows without the services (webhooks, validation), so there is
none. The rows are the admin changelist's, so the export is scoped and filtered exactly as the page."""

from import_export import fields, resources

from postmortems.models import ActionItem, TrainingRecord


class ActionItemResource(resources.ModelResource):
    incident = fields.Field(attribute="incident__number", column_name="incident")
    owner = fields.Field(attribute="owner__email", column_name="owner")
    organization = fields.Field(attribute="organization__slug", column_name="organization")

    class Meta:
        model = ActionItem
        fields = ("id", "organization", "incident", "title", "owner", "due_date", "priority", "status", "done_at",
                  "tracker_url")
        export_order = fields


class TrainingRecordResource(resources.ModelResource):
    user = fields.Field(attribute="user__email", column_name="user")
    organization = fields.Field(attribute="organization__slug", column_name="organization")

    class Meta:
        model = TrainingRecord
        fields = ("id", "organization", "user", "course", "completed_at", "expires_at", "evidence_url")
        export_order = fields
