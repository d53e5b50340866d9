"""The API's shapes. The routing key appears only in ``IntegrationCreatedSerializer`` (create, rotate)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.ingestion import instructions, services
from incidents.ingestion.enums import IntegrationKind
from incidents.ingestion.models import Alert, Integration, MaintenanceWindow
from incidents.models import Service
from tenancy.api_base import OrgRelatedField
from tenancy.serializers import UserSummarySerializer


@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(IntegrationKind.values)})$",
                     "description": "pagerduty_v2, alertmanager, datadog, cloudwatch, webhook or heartbeat"})
class IntegrationKindField(serializers.ChoiceField):
    """The integration kind. Its schema is a pattern, not an enum: drf-spectacular names enums after
    the field, and other apps' ``kind`` fields would collide with it."""

    def __init__(self, **kwargs):
        super().__init__(choices=IntegrationKind.choices, **kwargs)


CONFIG_FIELDS = ["enabled", "severity_mapping", "rate_limit_per_minute", "rate_limit_burst", "auto_resolve",
                 "basic_auth_username", "heartbeat_interval_minutes", "heartbeat_timeout_minutes",
                 "storm_threshold_per_minute"]


class IntegrationSerializer(serializers.ModelSerializer):
    kind = IntegrationKindField(read_only=True)
    service = serializers.PrimaryKeyRelatedField(read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    basic_auth = serializers.SerializerMethodField()
    heartbeat = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = ["id", "name", "kind", "service", "service_name", "routing_key_prefix", *CONFIG_FIELDS,
                  "basic_auth", "sns_topic_arn", "heartbeat", "created_at", "updated_at", "key_rotated_at"]
        read_only_fields = fields

    def get_basic_auth(self, integration: Integration) -> dict | None:
        """The username when basic auth is on (the password is never shown)."""
        return {"username": integration.basic_auth_username} if integration.basic_auth_username else None

    def get_heartbeat(self, integration: Integration) -> dict | None:
        if integration.kind != IntegrationKind.HEARTBEAT or not hasattr(integration, "heartbeat"):
            return None
        beat = integration.heartbeat
        return {"last_beat_at": beat.last_beat_at, "due_at": beat.due_at if beat.last_beat_at else None,
                "late_since": beat.late_since, "waiting_for_first_beat": beat.last_beat_at is None}


class IntegrationCreatedSerializer(IntegrationSerializer):
    """Shown once: the routing key and the full URL to paste into the monitor."""

    routing_key = serializers.SerializerMethodField()
    ingestion_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    setup = serializers.SerializerMethodField()

    class Meta(IntegrationSerializer.Meta):
        fields = [*IntegrationSerializer.Meta.fields, "routing_key", "ingestion_url", "url", "setup"]
        read_only_fields = fields

    def get_routing_key(self, integration: Integration) -> str:
        return self.context["routing_key"]

    def get_ingestion_url(self, integration: Integration) -> str:
        return services.ingestion_url(integration, self.context["routing_key"])

    def get_url(self, integration: Integration) -> str:
        return self.get_ingestion_url(integration)

    def get_setup(self, integration: Integration) -> dict:
        return instructions.setup_for(integration.kind, self.get_ingestion_url(integration),
                                      self.context["routing_key"])


class BasicAuthSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200)


class IntegrationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = IntegrationKindField()
    service = OrgRelatedField(queryset=Service.objects.all())
    enabled = serializers.BooleanField(required=False)
    severity_mapping = serializers.DictField(child=serializers.CharField(max_length=16), required=False)
    rate_limit_per_minute = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False)
    rate_limit_burst = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False)
    auto_resolve = serializers.BooleanField(required=False)
    basic_auth_username = serializers.CharField(max_length=150, required=False, allow_blank=True)
    basic_auth_password = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)
    heartbeat_interval_minutes = serializers.IntegerField(min_value=1, max_value=7 * 24 * 60, required=False)
    heartbeat_timeout_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, required=False)
    storm_threshold_per_minute = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False,
        help_text="New incidents a minute before further new alert keys are grouped into one alert-storm incident "
                  "(default 20; 0: never group).")
    basic_auth = BasicAuthSerializer(required=False, allow_null=True, write_only=True,
                                     help_text='Alertmanager basic auth as {"username", "password"}; null clears it.')

    def validate(self, attrs):
        if "basic_auth" in attrs:
            credentials = attrs.pop("basic_auth") or {"username": "", "password": ""}
            attrs["basic_auth_username"] = credentials["username"]
            attrs["basic_auth_password"] = credentials["password"]
        return attrs


class AlertSerializer(serializers.ModelSerializer):
    incident_number = serializers.IntegerField(source="incident.number", read_only=True, allow_null=True)
    integration_name = serializers.CharField(source="integration.name", read_only=True)
    suppressed = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "integration", "integration_name", "service", "incident", "incident_number", "dedup_key",
                  "status", "severity", "summary", "source", "details", "links", "occurred_at", "received_at",
                  "acknowledged_at", "resolved_at", "suppressed", "suppressed_by"]
        read_only_fields = fields

    def get_suppressed(self, alert: Alert) -> bool:
        return alert.suppressed_by_id is not None


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = MaintenanceWindow
        fields = ["id", "service", "service_name", "starts_at", "ends_at", "reason", "active", "created_by",
                  "created_at", "end_recorded_at"]
        read_only_fields = fields

    def get_active(self, window: MaintenanceWindow) -> bool:
        return window.is_active()


class MaintenanceWindowWriteSerializer(serializers.Serializer):
    service = OrgRelatedField(queryset=Service.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        starts, ends = attrs.get("starts_at", getattr(self.instance, "starts_at", None)), attrs.get(
            "ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": ["Must be after starts_at."]})
        return attrs
