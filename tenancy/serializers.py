from rest_framework import serializers

from tenancy.enums import Role
from tenancy.models import ApiToken, Invitation, Membership, Organization, User


class UserSummarySerializer(serializers.ModelSerializer):
    """How every other object shows a person: ``{"id", "email", "name"}``."""

    class Meta:
        model = User
        fields = ["id", "email", "name"]
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "time_zone", "created_at", "role"]
        read_only_fields = fields

    def get_role(self, organization: Organization) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(organization.id)


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role"]
        read_only_fields = ["id", "user"]


class MembershipCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.RESPONDER)


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ApiTokenSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "user", "created_at", "last_used_at"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField(help_text="The secret. Shown only in this response.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, _obj) -> str:
        return self.context["secret"]


class InvitationSerializer(serializers.ModelSerializer):
    """What the inviting org sees: only what it typed, never anything of an account behind the address."""

    invited_by = UserSummarySerializer(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "name", "role", "status", "invited_by", "created_at", "sent_at", "expires_at",
                  "accepted_at", "revoked_at"]
        read_only_fields = fields


class InvitationCreateSerializer(MembershipCreateSerializer):
    pass
