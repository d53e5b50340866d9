"""The API's shapes. Output serializers are read-only; inputs are plain serializers whose foreign
keys only accept objects of the URL's organization."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Incident, RootCauseCategory, Runbook, Service
from postmortems.enums import DRILL_SETTABLE_STATUSES, ActionItemPriority, ActionItemStatus, PostMortemStatus
from postmortems.models import ActionItem, Drill, PostMortem, TimelineEntry, TrainingRecord, Why
from tenancy.api_base import OrgMemberField, OrgRelatedField
from tenancy.serializers import UserSummarySerializer


@extend_schema_field(OpenApiTypes.INT)
class IncidentNumberField(serializers.Field):
    """An incident of the URL's organization, by its number (how people and the API name incidents)."""

    default_error_messages = {"does_not_exist": "No incident #{value} in this organization.",
                              "invalid": "An incident number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not str(data).isdigit():
            self.fail("invalid")
        incident = (Incident.objects.select_related("severity", "organization")
                    .filter(organization=self.context.get("organization"), number=int(data)).first())
        if incident is None:
            self.fail("does_not_exist", value=data)
        return incident

    def to_representation(self, value):
        return value.number


class IncidentSummarySerializer(serializers.ModelSerializer):
    severity = serializers.CharField(source="severity.name", read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "number", "title", "severity", "status", "is_drill", "detected_at", "resolved_at"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "text", "source"]
        read_only_fields = ["source"]


class TimelineSetSerializer(serializers.Serializer):
    entries = TimelineEntrySerializer(many=True)


class WhySerializer(serializers.ModelSerializer):
    class Meta:
        model = Why
        fields = ["position", "why", "because"]
        read_only_fields = ["position"]


class WhysSetSerializer(serializers.Serializer):
    whys = WhySerializer(many=True, help_text="Ordered: the first why is the symptom, the last because the cause.")


class PostMortemSerializer(serializers.ModelSerializer):
    incident = IncidentSummarySerializer(read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    attendees = UserSummarySerializer(many=True, read_only=True)
    waived_by = UserSummarySerializer(read_only=True, allow_null=True)
    timeline = TimelineEntrySerializer(source="timeline_entries", many=True, read_only=True)
    whys = WhySerializer(many=True, read_only=True)
    impact_started_at = serializers.DateTimeField(source="incident.impact_started_at", read_only=True)

    class Meta:
        model = PostMortem
        fields = ["id", "incident", "status", "owner", "attendees", "due_at", "summary", "timeline", "root_cause",
                  "whys", "root_cause_category", "users_affected", "revenue_lost", "revenue_currency",
                  "applications_missed", "other_impact", "impact_started_at", "went_well", "went_poorly", "lessons",
                  "meeting_at", "meeting_minutes", "meeting_location", "published_at", "waived_at", "waived_by",
                  "waived_reason", "created_at", "updated_at"]
        read_only_fields = fields


class PostMortemCreateSerializer(serializers.Serializer):
    incident = IncidentNumberField(help_text="The incident's number (P2/P3 on request; P0/P1 open by themselves).")


class PostMortemUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PostMortemStatus.choices, required=False)
    owner = OrgMemberField(required=False, allow_null=True)
    attendees = OrgMemberField(many=True, required=False)
    due_at = serializers.DateTimeField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    root_cause = serializers.CharField(required=False, allow_blank=True)
    root_cause_category = OrgRelatedField(queryset=RootCauseCategory.objects.all(), required=False, allow_null=True)
    users_affected = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    revenue_lost = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                            allow_null=True)
    revenue_currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False)
    applications_missed = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    other_impact = serializers.DictField(child=serializers.FloatField(), required=False)
    impact_started_at = serializers.DateTimeField(required=False, allow_null=True)
    went_well = serializers.CharField(required=False, allow_blank=True)
    went_poorly = serializers.CharField(required=False, allow_blank=True)
    lessons = serializers.CharField(required=False, allow_blank=True)


class ScheduleSerializer(serializers.Serializer):
    meeting_at = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=5, max_value=480, default=60)
    location = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WaiveSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ActionItemSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    incident = serializers.IntegerField(source="incident.number", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "postmortem", "incident", "title", "owner", "due_date", "priority", "status", "done_at",
                  "tracker_url", "overdue", "version", "created_at", "updated_at"]
        read_only_fields = fields


class ActionItemWriteSerializer(serializers.Serializer):
    postmortem = OrgRelatedField(queryset=PostMortem.objects.all(), required=False, allow_null=True)
    incident = IncidentNumberField(required=False, allow_null=True)
    title = serializers.CharField(max_length=300)
    owner = OrgMemberField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=ActionItemPriority.choices, required=False)
    status = serializers.ChoiceField(choices=ActionItemStatus.choices, required=False)
    tracker_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class ActionItemUpdateSerializer(ActionItemWriteSerializer):
    postmortem = None
    incident = None
    title = serializers.CharField(max_length=300, required=False)


class DrillSerializer(serializers.ModelSerializer):
    facilitator = UserSummarySerializer(read_only=True, allow_null=True)
    participants = UserSummarySerializer(many=True, read_only=True)
    incident = IncidentSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Drill
        fields = ["id", "title", "runbook", "scenario", "severity_name", "service", "scheduled_at", "facilitator",
                  "participants", "page_people", "status", "incident", "started_at", "completed_at", "outcome_notes",
                  "findings", "created_at"]
        read_only_fields = fields


class DrillWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    runbook = OrgRelatedField(queryset=Runbook.objects.all(), required=False, allow_null=True)
    scenario = serializers.CharField(required=False, allow_blank=True)
    severity_name = serializers.CharField(max_length=16, required=False)
    service = OrgRelatedField(queryset=Service.objects.all(), required=False, allow_null=True)
    scheduled_at = serializers.DateTimeField()
    facilitator = OrgMemberField(required=False, allow_null=True)
    participants = OrgMemberField(many=True, required=False)
    page_people = serializers.BooleanField(required=False, help_text="Page the on-call people for real (DRILL).")


class DrillUpdateSerializer(DrillWriteSerializer):
    title = serializers.CharField(max_length=200, required=False)
    scheduled_at = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(choices=DRILL_SETTABLE_STATUSES, required=False)
    outcome_notes = serializers.CharField(required=False, allow_blank=True)
    findings = serializers.CharField(required=False, allow_blank=True)


class DrillCompleteSerializer(serializers.Serializer):
    outcome_notes = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class TrainingRecordSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRecord
        fields = ["id", "user", "course", "completed_at", "expires_at", "evidence_url", "drill", "current"]
        read_only_fields = fields

    def get_current(self, record) -> bool:
        return record.expires_at is None or record.expires_at > timezone.now()


class TrainingRecordWriteSerializer(serializers.Serializer):
    user = OrgMemberField()
    course = serializers.CharField(max_length=200)
    completed_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    evidence_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class TrainingRecordUpdateSerializer(TrainingRecordWriteSerializer):
    user = OrgMemberField(required=False)
    course = serializers.CharField(max_length=200, required=False)
    completed_at = serializers.DateTimeField(required=False)


class MetricsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    group_by = serializers.ChoiceField(choices=["severity", "service", "month", "quarter"], required=False)


class MonthQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                                   error_messages={"invalid": "Use YYYY-MM, e.g. 2026-10."})
