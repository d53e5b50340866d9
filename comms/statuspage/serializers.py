"""Serializers of the org API (``/api/v1/orgs/<slug>/…``). Input is validated here; writes go through
services. Related fields only accept objects of the URL's organization."""

from rest_framework import serializers

from comms import conf
from comms.statuspage.enums import ComponentStatus, MaintenanceStatus
from comms.statuspage.models import Maintenance, StatusComponent, StatusPage, Subscriber, VendorFeed
from incidents.models import Service
from tenancy.api_base import OrgRelatedField


class StatusPageSerializer(serializers.ModelSerializer):
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = StatusPage
        fields = ["enabled", "title", "description", "support_url", "time_zone", "history_days", "public_url",
                  "updated_at"]
        read_only_fields = ["public_url", "updated_at"]

    def get_public_url(self, page) -> str:
        return f"{conf.base_url()}/status/{page.organization.slug}/"


class StatusComponentSerializer(serializers.ModelSerializer):
    group = OrgRelatedField(queryset=StatusComponent.objects.all(), required=False, allow_null=True)
    services = OrgRelatedField(queryset=Service.objects.all(), many=True, required=False)
    status_override = serializers.ChoiceField(choices=ComponentStatus.choices, required=False, allow_blank=True)
    status = serializers.SerializerMethodField(help_text="As the public page shows it now.")

    class Meta:
        model = StatusComponent
        fields = ["id", "public_id", "name", "description", "position", "group", "services", "only_show_if_degraded",
                  "showcase", "start_date", "status_override", "override_reason", "status", "created_at",
                  "updated_at"]
        read_only_fields = ["public_id", "created_at", "updated_at"]

    def get_status(self, component) -> str:
        return self.context.get("statuses", {}).get(component.pk, component.status_override or "operational")


class MaintenanceUpdateSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    status = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class MaintenanceSerializer(serializers.ModelSerializer):
    components = OrgRelatedField(queryset=StatusComponent.objects.all(), many=True, required=False)
    updates = MaintenanceUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Maintenance
        fields = ["id", "public_id", "title", "body", "components", "scheduled_for", "scheduled_until", "status",
                  "suppress_alerts", "started_at", "completed_at", "updates", "created_at", "updated_at"]
        read_only_fields = ["public_id", "status", "started_at", "completed_at", "created_at", "updated_at"]


class MaintenanceTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MaintenanceStatus.choices)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class SubscriberSerializer(serializers.ModelSerializer):
    components = serializers.SlugRelatedField(slug_field="public_id", many=True, read_only=True)

    class Meta:
        model = Subscriber
        fields = ["id", "email", "components", "confirmed_at", "confirm_by", "imported_reason", "imported_by",
                  "created_at"]
        read_only_fields = fields


class SubscriberImportSerializer(serializers.Serializer):
    emails = serializers.ListField(child=serializers.CharField(max_length=320), min_length=1, max_length=5000)
    reason = serializers.CharField(max_length=500)
    components = serializers.ListField(child=serializers.CharField(max_length=24), required=False, default=list,
                                       help_text="Public ids of components (none: all).")


class VendorFeedSerializer(serializers.ModelSerializer):
    services = OrgRelatedField(queryset=Service.objects.all(), many=True, required=False)

    class Meta:
        model = VendorFeed
        fields = ["id", "name", "url", "services", "raise_alert", "enabled", "indicator", "description",
                  "vendor_components", "vendor_incidents", "last_polled_at", "last_success_at", "failures",
                  "last_error", "next_poll_at", "created_at", "updated_at"]
        read_only_fields = ["indicator", "description", "vendor_components", "vendor_incidents", "last_polled_at",
                            "last_success_at", "failures", "last_error", "next_poll_at", "created_at", "updated_at"]


class VendorStatusSerializer(serializers.ModelSerializer):
    """What a vendor said last, as the incident API shows it."""

    class Meta:
        model = VendorFeed
        fields = ["id", "name", "indicator", "description", "vendor_components", "vendor_incidents",
                  "last_success_at", "last_error"]
        read_only_fields = fields
