"""The API's shapes. Output serializers are read-only; inputs are plain serializers whose
foreign keys only accept objects of the URL's organization."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents import selectors, states
from incidents.enums import ActionKind, IncidentStatus, PagingChannel, ParticipantRole
from incidents.models import (
    ChangeEvent,
    ChecklistItem,
    Incident,
    Participant,
    RootCauseCategory,
    Runbook,
    Service,
    Severity,
    TimelineEvent,
)
from oncall.models import EscalationPolicy
from tenancy.api_base import OrgMemberField, OrgRelatedField
from tenancy.serializers import UserSummarySerializer


@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(ParticipantRole.values)})$",
                     "description": "commander, decision_maker (CTO), engineer, ceo, support_lead, scribe"})
class ParticipantRoleField(serializers.ChoiceField):
    """The war-room role. Its schema is a pattern, not an enum: drf-spectacular names enums after the
    field, and tenancy's member ``role`` owns RoleEnum."""

    def __init__(self, **kwargs):
        super().__init__(choices=ParticipantRole.choices, **kwargs)


class OrgSlugRelatedField(serializers.SlugRelatedField):
    """An object of the request's organization named by a slug field (e.g. severity "P1")."""

    def get_queryset(self):
        organization = self.context.get("organization")
        if organization is None:
            return self.queryset.none()
        return self.queryset.filter(organization=organization)


class OrgUniqueMixin:
    """Reject (400) a name already used in the organization, instead of hitting the database constraint."""

    unique_in_org = "name"

    def validate(self, attrs):
        attrs = super().validate(attrs)
        field = self.unique_in_org
        if field in attrs and "organization" in self.context:
            others = self.Meta.model.objects.filter(organization=self.context["organization"], **{field: attrs[field]})
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                message = f"This organization already has one named {attrs[field]!r}."
                raise serializers.ValidationError({field: [message]})
        return attrs


class SeveritySerializer(OrgUniqueMixin, serializers.ModelSerializer):
    paging_channels = serializers.ListField(child=serializers.ChoiceField(choices=PagingChannel.choices),
                                            required=False)

    class Meta:
        model = Severity
        fields = ["id", "name", "label", "rank", "description", "ack_sla", "update_interval", "war_room",
                  "paging_channels"]


class ServiceSerializer(OrgUniqueMixin, serializers.ModelSerializer):
    escalation_policy = OrgRelatedField(queryset=EscalationPolicy.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Service
        fields = ["id", "name", "description", "escalation_policy", "owner_team", "war_room_url_template"]


class RootCauseCategorySerializer(OrgUniqueMixin, serializers.ModelSerializer):
    class Meta:
        model = RootCauseCategory
        fields = ["id", "name", "description"]


class RunbookSerializer(serializers.ModelSerializer):
    services = OrgRelatedField(queryset=Service.objects.all(), many=True, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    class Meta:
        model = Runbook
        fields = ["id", "title", "symptoms", "triage_steps", "resolution", "escalation", "services", "tags",
                  "updated_at"]
        read_only_fields = ["updated_at"]


class RunbookSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Runbook
        fields = ["id", "title", "symptoms"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    severity = serializers.CharField(source="severity.name", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True, default=None)
    commander = UserSummarySerializer(read_only=True, allow_null=True)
    root_cause_category = serializers.PrimaryKeyRelatedField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    update_overdue = serializers.SerializerMethodField(
        help_text="True when the incident is open and its next status update (next_update_at) is past due.")

    class Meta:
        model = Incident
        fields = ["id", "number", "title", "description", "severity", "service", "service_name", "status",
                  "commander", "detected_at", "acknowledged_at", "resolved_at", "closed_at", "impact_started_at",
                  "mitigated_at", "customer_impact",
                  "root_cause", "root_cause_category", "is_drill", "war_room_url", "alert_count", "source",
                  "allowed_transitions", "created_at", "updated_at", "paging_warning", "next_update_at",
                  "update_overdue"]
        read_only_fields = fields

    def get_allowed_transitions(self, incident: Incident) -> list[str]:
        return states.allowed_transitions(incident.status)

    def get_update_overdue(self, incident: Incident) -> bool:
        due = incident.next_update_at
        return bool(due is not None and incident.is_open and due < timezone.now())


class ChangeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeEvent
        fields = ["id", "summary", "source", "occurred_at", "received_at", "custom_details", "links", "origin"]
        read_only_fields = fields


class IncidentDetailSerializer(IncidentSerializer):
    runbooks = serializers.SerializerMethodField(help_text="Runbooks of the incident's service.")
    recent_changes = serializers.SerializerMethodField(
        help_text="Changes on the incident's service (PagerDuty Change Events) in the 24 hours before its "
                  "detection, newest first.")

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "runbooks", "recent_changes"]
        read_only_fields = fields

    @extend_schema_field(RunbookSummarySerializer(many=True))
    def get_runbooks(self, incident: Incident) -> list[dict]:
        return RunbookSummarySerializer(selectors.runbooks_for_incident(incident=incident), many=True).data

    @extend_schema_field(ChangeEventSerializer(many=True))
    def get_recent_changes(self, incident: Incident) -> list[dict]:
        return ChangeEventSerializer(selectors.recent_changes_for_incident(incident=incident), many=True).data


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    severity = OrgSlugRelatedField(slug_field="name", queryset=Severity.objects.all(), help_text='e.g. "P1"')
    service = OrgRelatedField(queryset=Service.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    detected_at = serializers.DateTimeField(required=False)
    is_drill = serializers.BooleanField(required=False, default=False)


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    customer_impact = serializers.CharField(required=False, allow_blank=True)
    impact_started_at = serializers.DateTimeField(required=False, allow_null=True)
    war_room_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    severity = OrgSlugRelatedField(slug_field="name", queryset=Severity.objects.all(), required=False)
    commander = OrgMemberField(required=False)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    root_cause = serializers.CharField(required=False, allow_blank=True, default="")
    impact = serializers.CharField(required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None,
                                            help_text="Required while the verification checklist is incomplete.")
    root_cause_category = OrgRelatedField(queryset=RootCauseCategory.objects.all(), required=False, allow_null=True,
                                          default=None)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(help_text='The note ("note" and "body" are accepted as aliases).')

    def to_internal_value(self, data):
        if isinstance(data, dict) and "text" not in data:
            for alias in ("note", "body"):
                if alias in data:
                    data = {**data, "text": data[alias]}
                    break
        return super().to_internal_value(data)


class ActionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    description = serializers.CharField()
    command = serializers.CharField(required=False, allow_blank=True, default="")


class ParticipantSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    role = ParticipantRoleField(read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "user", "role", "added_at"]
        read_only_fields = fields


class ParticipantCreateSerializer(serializers.Serializer):
    user = OrgMemberField()
    role = ParticipantRoleField(default=ParticipantRole.ENGINEER)


class ChecklistItemSerializer(serializers.ModelSerializer):
    checked_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "checklist", "key", "label", "position", "done", "checked_by", "checked_at", "automatic"]
        read_only_fields = fields


class ChecklistChangeSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, help_text="The item's key (or give its id).")
    id = serializers.IntegerField(required=False)
    done = serializers.BooleanField()

    def validate(self, attrs):
        if "key" not in attrs and "id" not in attrs:
            raise serializers.ValidationError({"key": ["Give the item's key or id."]})
        return attrs


class ChecklistUpdateSerializer(serializers.Serializer):
    items = ChecklistChangeSerializer(many=True, help_text='[{"key": "health_checks", "done": true}, …]')

    def to_internal_value(self, data):
        """Also accepts one change ({"key", "done"}), a bare list of changes, or {"<key>": true, …}."""
        if isinstance(data, list):
            data = {"items": data}
        elif isinstance(data, dict) and "items" not in data:
            if "done" in data:
                data = {"items": [data]}
            elif data and all(isinstance(value, bool) for value in data.values()):
                data = {"items": [{"key": key, "done": value} for key, value in data.items()]}
        return super().to_internal_value(data)


class ChecklistSerializer(serializers.Serializer):
    triage = ChecklistItemSerializer(many=True)
    verification = ChecklistItemSerializer(many=True)
    triage_complete = serializers.BooleanField()
    verification_complete = serializers.BooleanField()


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = TimelineEvent
        fields = ["id", "kind", "actor", "at", "payload"]
        read_only_fields = fields
