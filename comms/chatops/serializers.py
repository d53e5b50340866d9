from rest_framework import serializers

from comms.chatops.enums import WarRoomMode
from comms.chatops.models import ChatOpsSettings, IncidentChannel, SlackAction, SlackWorkspace
from comms.chatops.services.install import SETTINGS_FIELDS


class SlackWorkspaceSerializer(serializers.ModelSerializer):
    """The installation, without its token (never shown)."""

    class Meta:
        model = SlackWorkspace
        fields = ["team_id", "team_name", "app_id", "bot_user_id", "scope", "installed_by", "installed_at"]
        read_only_fields = fields


def _severities(value):
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise serializers.ValidationError('A list of severity names, e.g. ["P0", "P1"].')
    return value


def _groups(value):
    if not isinstance(value, dict) or not all(
            isinstance(handles, list) and all(isinstance(handle, str) for handle in handles)
            for handles in value.values()):
        raise serializers.ValidationError('Severity name → list of user group handles, e.g. {"P0": ["leadership"]}.')
    return value


class ChatOpsSettingsSerializer(serializers.ModelSerializer):
    channel_severities = serializers.JSONField(required=False, validators=[_severities])
    stakeholder_groups = serializers.JSONField(required=False, validators=[_groups])
    war_room_mode = serializers.ChoiceField(choices=WarRoomMode.choices, required=False)
    war_room_url = serializers.URLField(max_length=500, required=False, allow_blank=True)

    class Meta:
        model = ChatOpsSettings
        fields = list(SETTINGS_FIELDS)

    def validate_channel_name_pattern(self, value):
        if "{number}" not in value:
            raise serializers.ValidationError("Keep {number} in the pattern: names must differ per incident.")
        return value


class SlackActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlackAction
        fields = ["kind", "idempotency_key", "state", "attempts", "next_attempt_at", "last_error", "created_at",
                  "done_at"]
        read_only_fields = fields


class IncidentChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentChannel
        fields = ["team_id", "channel_id", "name", "card_ts", "created_at"]
        read_only_fields = fields
