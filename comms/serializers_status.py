"""Shapes of the status-update, template, affected-user and campaign API (issue 12)."""

from rest_framework import serializers

from comms.enums import Audience, TemplateKind, UpdateStatus
from comms.models import AffectedUser, EmailCampaign, MessageTemplate, StatusUpdate
from comms.services.campaigns import campaign_progress
from tenancy.serializers import UserSummarySerializer


class StatusUpdateSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="incident.number", read_only=True)
    commander = UserSummarySerializer(read_only=True, allow_null=True)
    posted_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = StatusUpdate
        fields = ["id", "public_id", "incident", "audience", "status", "title", "impact", "root_cause", "eta",
                  "eta_at", "next_update_at", "commander", "body", "posted_by", "posted_at"]
        read_only_fields = fields


class StatusUpdateCreateSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=Audience.choices)
    status = serializers.ChoiceField(choices=UpdateStatus.choices,
                                     help_text="The plan's word: investigating, fixing, monitoring, resolved.")
    title = serializers.CharField(max_length=300, required=False)
    impact = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                       help_text='Empty means "Unknown".')
    eta = serializers.CharField(required=False, allow_blank=True, max_length=200)
    eta_at = serializers.DateTimeField(required=False, allow_null=True)
    next_update_at = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="Default: now + the severity's cadence. Earlier is fine; later needs a reason.")
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000,
                                 help_text="The text as sent; default: rendered from the audience's template.")
    apply_status = serializers.BooleanField(required=False, default=False,
                                            help_text="Also move the incident to this status (legal moves only).")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    remind_drill = serializers.BooleanField(required=False, help_text="Drills only: send cadence reminders.")


class DraftQuerySerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=Audience.choices)


class StatusUpdateDraftSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    audience = serializers.CharField()
    status = serializers.CharField()
    title = serializers.CharField()
    impact = serializers.CharField(allow_blank=True)
    root_cause = serializers.CharField(allow_blank=True)
    eta = serializers.CharField(allow_blank=True)
    eta_at = serializers.DateTimeField(allow_null=True)
    next_update_at = serializers.DateTimeField(allow_null=True)
    commander = serializers.IntegerField(allow_null=True)
    body = serializers.CharField()
    template = serializers.CharField()
    variables = serializers.DictField(child=serializers.CharField())


class MessageTemplateSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=TemplateKind.choices)
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=20000)
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = MessageTemplate
        fields = ["id", "kind", "subject", "body", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]


class AffectedUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = AffectedUser
        fields = ["id", "email", "name", "extra", "created_at"]
        read_only_fields = fields


class AffectedUsersImportSerializer(serializers.Serializer):
    """JSON input: ``users`` (rows), or ``paste`` (pasted text), or ``csv`` (CSV text). A CSV file is a
    multipart ``file`` or a ``text/csv`` body."""

    users = serializers.ListField(child=serializers.JSONField(), required=False, max_length=100_000)
    paste = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)
    csv = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)

    def validate(self, attrs):
        given = [name for name in ("users", "paste", "csv") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError({"users": ["Give exactly one of users, paste, csv (or upload a file)."]})
        return attrs


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, help_text="A new name sends the email again.")
    subject = serializers.CharField(max_length=300, required=False, help_text="Overrides the template's subject.")
    text = serializers.CharField(max_length=20000, required=False, help_text="Overrides the template's text.")
    what_happened = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    impact = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    resolution = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    compensation = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CampaignSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="incident.number", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = EmailCampaign
        fields = ["id", "incident", "name", "state", "subject", "total", "progress", "created_at", "started_at",
                  "finished_at"]
        read_only_fields = fields

    def get_progress(self, campaign) -> dict:
        return campaign_progress(campaign)
