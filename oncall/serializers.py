"""Input and output shapes of the on-call API. People go in as user ids of org members (or
``{"id": …}``) and come out as ``{"id", "email", "name"}``."""

import zoneinfo
from datetime import datetime, time, timedelta

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from oncall.enums import RestrictionType, RotationType
from oncall.models import (
    HANDOFF_LEAD_MAX,
    HANDOFF_LEAD_MIN,
    EscalationPolicy,
    ICalFeed,
    LayerVersion,
    OncallPreference,
    Override,
    ResponderGroup,
    Schedule,
)
from tenancy.api_base import OrgMemberField, OrgRelatedField
from tenancy.serializers import UserSummarySerializer

MAX_SHIFT_LENGTH = 10_000


class _AcceptsObjectsMixin:
    """Take ``5`` or ``{"id": 5, …}`` (what the API returns), so a GET body can be PUT back."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("id")
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class MemberField(_AcceptsObjectsMixin, OrgMemberField):
    pass


class OrgObjectField(_AcceptsObjectsMixin, OrgRelatedField):
    pass


def validate_time_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(f"'{value}' is not a known IANA time zone.")
    return value


@extend_schema_field({"type": "string", "format": "date-time", "description": "Local wall-clock, no offset."})
class LocalDateTimeField(serializers.Field):
    """A wall-clock date-time without offset (one with an offset is converted to the schedule's zone later)."""

    default_error_messages = {"invalid": "Use an ISO 8601 local date-time such as 2025-03-09T09:00:00."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            value = datetime.fromisoformat(data.strip())
        except ValueError:
            self.fail("invalid")
        if not 1970 <= value.year <= 2200:
            raise serializers.ValidationError("The year must be 1970 to 2200.")
        return value

    def to_representation(self, value):
        return value.replace(tzinfo=None).isoformat() if value is not None else None


def normalise_restriction(item) -> dict:
    if not isinstance(item, dict):
        raise serializers.ValidationError("Each restriction is an object.")
    kind = item.get("type")
    if kind not in RestrictionType.values:
        raise serializers.ValidationError(f"type must be one of {', '.join(RestrictionType.values)}.")
    try:
        start = time.fromisoformat(str(item.get("start_time_of_day")))
    except ValueError:
        raise serializers.ValidationError("start_time_of_day must look like 09:00:00.") from None
    limit = 86_400 if kind == RestrictionType.DAILY else 7 * 86_400
    duration = item.get("duration_seconds")
    if isinstance(duration, bool) or not isinstance(duration, int) or not 0 < duration <= limit:
        raise serializers.ValidationError(f"duration_seconds must be a whole number from 1 to {limit}.")
    result = {"type": kind, "start_time_of_day": start.strftime("%H:%M:%S"), "duration_seconds": duration}
    if kind == RestrictionType.WEEKLY:
        day = item.get("start_day_of_week")
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 7:
            raise serializers.ValidationError("start_day_of_week must be an ISO weekday, 1 (Monday) to 7.")
        result["start_day_of_week"] = day
    return result


@extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
    "type": {"type": "string", "enum": ["daily_restriction", "weekly_restriction"]},
    "start_time_of_day": {"type": "string", "example": "09:00:00"},
    "duration_seconds": {"type": "integer"},
    "start_day_of_week": {"type": "integer", "minimum": 1, "maximum": 7}}}})
class RestrictionsField(serializers.Field):
    """PagerDuty's restriction objects: one, or a list (their union)."""

    def to_internal_value(self, data):
        if data is None:
            return []
        items = data if isinstance(data, list) else [data]
        return [normalise_restriction(item) for item in items]

    def to_representation(self, value):
        return value


def user_summary(user) -> dict | None:
    return UserSummarySerializer(user).data if user is not None else None


# --- schedules -----------------------------------------------------------------------------

class LayerWriteSerializer(serializers.Serializer):
    """One layer of a schedule write. With ``id`` it changes that layer and omitted fields keep their value."""

    id = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    priority = serializers.IntegerField(required=False, allow_null=True)
    participants = serializers.ListField(child=MemberField(), allow_empty=False, required=False)
    rotation_type = serializers.ChoiceField(choices=RotationType.choices, required=False)
    shift_length = serializers.IntegerField(min_value=1, max_value=MAX_SHIFT_LENGTH, required=False)
    rotation_start = LocalDateTimeField(required=False)
    end = LocalDateTimeField(required=False, allow_null=True)
    restrictions = RestrictionsField(required=False)
    effective_from = serializers.DateTimeField(required=False, allow_null=True)

    def validate_participants(self, participants):
        """A person twice in one rotation skews every shift count and fairness figure: refuse it."""
        seen: set[int] = set()
        for user in participants:
            if user.pk in seen:
                raise serializers.ValidationError(f"User {user.pk} appears twice: list each person once.")
            seen.add(user.pk)
        return participants


class ScheduleWriteSerializer(serializers.Serializer):
    """The shape of a schedule write; ``oncall.services.layers_complete`` applies the merge rules."""

    name = serializers.CharField(max_length=200)
    time_zone = serializers.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    description = serializers.CharField(required=False, allow_blank=True, default="")
    layers = LayerWriteSerializer(many=True, required=False)
    effective_from = serializers.DateTimeField(required=False, allow_null=True,
                                               help_text="When rotation changes take effect (default now).")


class LayerVersionSerializer(serializers.ModelSerializer):
    rotation_start = LocalDateTimeField()
    end = LocalDateTimeField()

    class Meta:
        model = LayerVersion
        fields = ["effective_from", "participants", "rotation_type", "shift_length", "rotation_start", "end",
                  "restrictions"]
        read_only_fields = fields


class ScheduleSerializer(serializers.ModelSerializer):
    """Output: each layer shows its latest version; ``versions`` keeps the history."""

    layers = serializers.SerializerMethodField()

    class Meta:
        model = Schedule
        fields = ["id", "name", "time_zone", "description", "layers", "created_at", "updated_at"]
        read_only_fields = fields

    def _user(self, pk):
        users = self.context.get("users_by_id") or {}
        user = users.get(pk)
        return user_summary(user) if user is not None else {"id": pk, "email": None, "name": None}

    def get_layers(self, schedule: Schedule) -> list[dict]:
        out = []
        for layer in sorted(schedule.layers.all(), key=lambda item: item.priority):
            versions = sorted(layer.versions.all(), key=lambda v: (v.effective_from is not None,
                                                                    v.effective_from or v.created_at, v.pk))
            latest = versions[-1]
            out.append({
                "id": layer.pk,
                "name": layer.name,
                "priority": layer.priority,
                "participants": [self._user(pk) for pk in latest.participants],
                "rotation_type": latest.rotation_type,
                "shift_length": latest.shift_length,
                "rotation_start": LocalDateTimeField().to_representation(latest.rotation_start),
                "end": LocalDateTimeField().to_representation(latest.end),
                "restrictions": latest.restrictions,
                "effective_from": latest.effective_from,
                "versions": LayerVersionSerializer(versions, many=True).data,
            })
        return out


# --- overrides -----------------------------------------------------------------------------

class OverrideSerializer(serializers.ModelSerializer):
    user = MemberField()
    replaces_user = MemberField(required=False, allow_null=True)
    created_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Override
        fields = ["id", "schedule", "user", "replaces_user", "start", "end", "note", "created_by", "created_at"]
        read_only_fields = ["id", "schedule", "created_by", "created_at"]

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["user"] = user_summary(instance.user)
        data["replaces_user"] = user_summary(instance.replaces_user)
        return data


# --- escalation policies and responder groups ----------------------------------------------

TARGET_TYPES = {"user": "users", "schedule": "schedules", "group": "groups", "responder_group": "groups"}


class EscalationStepSerializer(serializers.Serializer):
    delay_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, default=15)
    users = serializers.ListField(child=MemberField(), required=False, default=list)
    schedules = serializers.ListField(child=OrgObjectField(queryset=Schedule.objects.all()), required=False,
                                      default=list)
    groups = serializers.ListField(child=OrgObjectField(queryset=ResponderGroup.objects.all()), required=False,
                                   default=list)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = self._aliases(dict(data))
        return super().to_internal_value(data)

    @staticmethod
    def _aliases(data: dict) -> dict:
        """Also take PagerDuty's ``escalation_delay_in_minutes`` and ``targets: [{type, id}]``."""
        if "escalation_delay_in_minutes" in data and "delay_minutes" not in data:
            data["delay_minutes"] = data.pop("escalation_delay_in_minutes")
        if "responder_groups" in data and "groups" not in data:
            data["groups"] = data.pop("responder_groups")
        targets = data.pop("targets", None)
        if isinstance(targets, list):
            for target in targets:
                kind = str(target.get("type", "")).removesuffix("_reference") if isinstance(target, dict) else ""
                if kind not in TARGET_TYPES:
                    raise serializers.ValidationError({"targets": [f"Unknown target type '{kind}'."]})
                data.setdefault(TARGET_TYPES[kind], []).append(target.get("id"))
        return data

    def validate(self, attrs):
        if not (attrs.get("users") or attrs.get("schedules") or attrs.get("groups")):
            raise serializers.ValidationError({"targets": ["A step needs at least one user, schedule or group."]})
        return attrs


class EscalationPolicyWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    repeat_count = serializers.IntegerField(min_value=0, max_value=9, default=0)
    repeat_from_position = serializers.IntegerField(min_value=1, max_value=100, default=1)
    is_default = serializers.BooleanField(required=False, help_text="Pages incidents without a service/policy.")
    steps = EscalationStepSerializer(many=True, required=False, allow_empty=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "escalation_rules" in data and "steps" not in data:
            data = {**data, "steps": data["escalation_rules"]}
        return super().to_internal_value(data)


def _named(obj) -> dict:
    return {"id": obj.pk, "name": obj.name}


class EscalationPolicySerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = EscalationPolicy
        fields = ["id", "name", "description", "repeat_count", "repeat_from_position", "is_default", "steps",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_steps(self, policy: EscalationPolicy) -> list[dict]:
        steps = sorted(policy.steps.all(), key=lambda step: step.position)
        out = []
        for step in steps:
            users = sorted(step.users.all(), key=lambda u: u.pk)
            schedules = sorted(step.schedules.all(), key=lambda s: s.pk)
            groups = sorted(step.groups.all(), key=lambda g: g.pk)
            out.append({
                "id": step.pk,
                "position": step.position,
                "delay_minutes": step.delay_minutes,
                "users": [user_summary(u) for u in users],
                "schedules": [_named(s) for s in schedules],
                "groups": [_named(g) for g in groups],
                "targets": [{"type": "user", "id": u.pk} for u in users]
                + [{"type": "schedule", "id": s.pk} for s in schedules]
                + [{"type": "group", "id": g.pk} for g in groups],
            })
        return out


class ResponderGroupWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    members = serializers.ListField(child=MemberField(), required=False, default=list)


class ResponderGroupSerializer(serializers.ModelSerializer):
    members = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = ResponderGroup
        fields = ["id", "name", "description", "members", "created_at"]
        read_only_fields = fields


# --- on call, shifts, feeds, preferences -----------------------------------------------------

class ICalFeedCreatedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    token = serializers.SerializerMethodField(help_text="The secret. Shown only in this response.")

    class Meta:
        model = ICalFeed
        fields = ["id", "schedule", "user", "prefix", "created_at", "url", "token"]
        read_only_fields = fields

    def get_url(self, _obj) -> str:
        return self.context["url"]

    def get_token(self, _obj) -> str:
        return self.context["secret"]


class OncallPreferenceSerializer(serializers.ModelSerializer):
    handoff_lead_time = serializers.DurationField(min_value=HANDOFF_LEAD_MIN, max_value=HANDOFF_LEAD_MAX,
                                                  required=False)
    handoff_lead_time_seconds = serializers.SerializerMethodField()

    class Meta:
        model = OncallPreference
        fields = ["handoff_lead_time", "handoff_lead_time_seconds", "handoff_notices"]

    def get_handoff_lead_time_seconds(self, preference) -> int:
        return int(preference.handoff_lead_time / timedelta(seconds=1))
