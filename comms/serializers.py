from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comms.enums import Channel, ChatFormat, Urgency, WebhookEvent
from comms.models import (
    ChannelThrottle,
    ChatDestination,
    ContactMethod,
    EscalationRun,
    Notification,
    NotificationRule,
    SeverityRoute,
    WebhookEndpoint,
)
from tenancy.api_base import OrgMemberField
from tenancy.enums import Role
from tenancy.serializers import UserSummarySerializer


@extend_schema_field({"type": "string", "description": f"The channel it reaches: {', '.join(Channel.values)}."})
class ContactKindField(serializers.ChoiceField):
    """The Channel choices under the name ``kind``. Shown in the schema as a string (its values in the
    description): as an enum it would collide with other apps' ``kind`` enums in the component names."""

    def __init__(self, **kwargs):
        super().__init__(choices=Channel.choices, **kwargs)


class ContactMethodSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    kind = ContactKindField(read_only=True)
    value = serializers.CharField(source="value_hint", read_only=True,
                                  help_text="Email and numbers in full; chat and webhook URLs only as a hint.")

    class Meta:
        model = ContactMethod
        fields = ["id", "user", "kind", "label", "value", "verified", "position", "created_at"]


class ContactMethodCreateSerializer(serializers.Serializer):
    user = OrgMemberField(required=False, help_text="Admins only: someone else's method. Default: yourself.")
    kind = ContactKindField()
    value = serializers.CharField(max_length=2000)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    verified = serializers.BooleanField(required=False, default=False, help_text="Admins only.")
    position = serializers.IntegerField(required=False, min_value=0, default=0)


class ContactMethodUpdateSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=2000, required=False)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    verified = serializers.BooleanField(required=False, help_text="Admins only.")
    position = serializers.IntegerField(required=False, min_value=0)


class NotificationRuleSerializer(serializers.ModelSerializer):
    user = OrgMemberField(required=False, help_text="Admins only: someone else's rule. Default: yourself.")
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)

    class Meta:
        model = NotificationRule
        fields = ["id", "user", "urgency", "channel", "delay_minutes", "position"]


class ChatDestinationSerializer(serializers.ModelSerializer):
    url = serializers.CharField(write_only=True, max_length=2000,
                                help_text="The incoming webhook URL. Stored encrypted; only url_hint is shown.")
    url_hint = serializers.CharField(read_only=True)
    format = serializers.ChoiceField(choices=ChatFormat.choices, default=ChatFormat.SLACK)
    severities = serializers.ListField(child=serializers.CharField(max_length=16), required=False)

    class Meta:
        model = ChatDestination
        fields = ["id", "name", "format", "url", "url_hint", "severities", "is_default", "is_active", "created_at"]


class SeverityRouteSerializer(serializers.ModelSerializer):
    person_channels = serializers.ListField(child=serializers.CharField(max_length=16))
    announce_emails = serializers.ListField(child=serializers.EmailField(), required=False, default=list)

    class Meta:
        model = SeverityRoute
        fields = ["id", "severity_name", "person_channels", "announce_emails"]


class ChannelThrottleSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)

    class Meta:
        model = ChannelThrottle
        fields = ["id", "channel", "max_count", "per_seconds"]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    url = serializers.CharField(write_only=True, max_length=2000)
    url_hint = serializers.CharField(read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "url_hint", "events", "is_active", "created_at"]


class NotificationSerializer(serializers.ModelSerializer):
    recipient = UserSummarySerializer(read_only=True)
    chat_destination = serializers.CharField(source="chat_destination.name", default=None, read_only=True)
    step = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "purpose", "channel", "recipient", "chat_destination", "address", "state", "step", "loop",
                  "idempotency_key", "due_at", "attempts", "last_error", "provider_message_id", "created_at",
                  "sent_at", "delivered_at", "failed_at", "cancelled_at"]

    # What a receiver answered (a status code and a short reason) is for responders, not viewers.
    RESPONDER_ONLY = ("last_error",)

    def get_step(self, obj) -> int | None:
        return None if obj.step is None else obj.step + 1

    def get_fields(self):
        fields = super().get_fields()
        membership = self.context.get("membership")
        if membership is None or not Role.at_least(membership.role, Role.RESPONDER):
            for name in self.RESPONDER_ONLY:
                fields.pop(name, None)
        return fields


class EscalationRunSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="incident.number", read_only=True)
    policy = serializers.SerializerMethodField()
    current_step = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = EscalationRun
        fields = ["id", "incident", "state", "policy", "current_step", "loop", "next_step_due_at", "severity_name",
                  "started_at", "ended_at", "ended_reason", "steps", "policy_snapshot"]

    def get_policy(self, obj) -> dict:
        snap = obj.policy_snapshot or {}
        return {"id": snap.get("id"), "name": snap.get("name"), "repeat_count": snap.get("repeat_count", 0)}

    def get_current_step(self, obj) -> int | None:
        return obj.current_step + 1 if obj.current_step >= 0 else None

    def get_steps(self, obj) -> list[dict]:
        """Each step of the snapshot with who it paged (in any pass) and the state of their notifications."""
        paged: dict[int, dict] = {}
        for notification in self.context.get("notifications", []):
            if notification.step is None or notification.recipient_id is None:
                continue
            people = paged.setdefault(notification.step, {})
            entry = people.setdefault(notification.recipient_id, {
                "user": UserSummarySerializer(notification.recipient).data, "notifications": []})
            entry["notifications"].append({"channel": notification.channel, "state": notification.state,
                                           "loop": notification.loop, "due_at": notification.due_at})
        return [{"number": index + 1, "position": step.get("position"), "delay_minutes": step.get("delay_minutes"),
                 "user_ids": step.get("user_ids", []), "schedule_ids": step.get("schedule_ids", []),
                 "group_ids": step.get("group_ids", []), "paged": list(paged.get(index, {}).values())}
                for index, step in enumerate(obj.steps)]
