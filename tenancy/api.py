from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy import selectors, services
from tenancy.api_base import CONFIGURE, READ, OrganizationScopedGenericViewSet
from tenancy.enums import Role
from tenancy.models import ApiToken, Invitation, Membership, Organization
from tenancy.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    OrganizationSerializer,
)


class OrganizationListView(generics.ListAPIView):
    """The organizations the caller belongs to (a token sees only its own organization)."""

    serializer_class = OrganizationSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        organizations = selectors.organization_list_for_user(user=self.request.user)
        token = self.request.auth
        if isinstance(token, ApiToken):
            organizations = organizations.filter(pk=token.organization_id)
        return organizations

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["roles"] = dict(self.request.user.memberships.values_list("organization_id", "role"))
        return context


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationScopedGenericViewSet,
):
    """People of the organization. Admins invite (``POST`` here is an invitation, the same as
    ``invitations/``), change roles and remove; owners send a member a password-reset link."""

    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    required_roles = {"list": READ, "retrieve": READ, "create": CONFIGURE, "update": CONFIGURE,
                      "partial_update": CONFIGURE, "destroy": CONFIGURE, "send_password_reset": Role.OWNER}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["role", "user__email", "created_at"]

    def get_base_queryset(self):
        return Membership.objects.select_related("user").order_by("user__email")

    @extend_schema(request=MembershipCreateSerializer, responses={202: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        """Invite a person by email: they become a member when they accept the emailed link."""
        return invite(self, request)

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"], url_path="send-password-reset")
    def send_password_reset(self, request, *args, **kwargs):
        services.member_password_reset_send(membership=self.get_object(), requested_by=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=MembershipUpdateSerializer, responses=MembershipSerializer)
    def update(self, request, *args, **kwargs):
        membership = self.get_object()
        data = MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_update(membership=membership, actor_role=self.membership.role,
                                                **data.validated_data)
        return Response(MembershipSerializer(membership).data)

    def perform_destroy(self, instance):
        services.membership_delete(membership=instance, actor_role=self.membership.role)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, OrganizationScopedGenericViewSet):
    """API tokens. Everyone manages their own; admins also see and revoke everyone's."""

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    required_roles = {"list": READ, "create": READ, "destroy": READ}

    def get_base_queryset(self):
        tokens = ApiToken.objects.filter(revoked_at__isnull=True).select_related("user")
        if getattr(self, "swagger_fake_view", False) or self.has_role(CONFIGURE):
            return tokens
        return tokens.filter(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = services.api_token_create(organization=self.organization, user=request.user,
                                                  name=data.validated_data["name"])
        return Response(ApiTokenCreatedSerializer(token, context={"secret": secret}).data,
                        status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.api_token_revoke(token=instance)


def invite(view, request) -> Response:
    data = InvitationCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    invitation = services.invitation_create(organization=view.organization, invited_by=request.user,
                                            actor_role=view.membership.role, **data.validated_data)
    return Response(InvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                        OrganizationScopedGenericViewSet):
    """Invitations of the organization (admins): invite, list, resend (a fresh link), revoke (DELETE)."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    required_roles = {"list": CONFIGURE, "retrieve": CONFIGURE, "create": CONFIGURE, "destroy": CONFIGURE,
                      "resend": CONFIGURE}
    filterset_fields = ["role", "email"]
    ordering_fields = ["created_at", "email", "expires_at"]

    def get_base_queryset(self):
        return Invitation.objects.select_related("invited_by").order_by("-created_at", "-id")

    @extend_schema(request=InvitationCreateSerializer, responses={202: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        return invite(self, request)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        invitation = services.invitation_resend(invitation=self.get_object(), actor_role=self.membership.role)
        return Response(InvitationSerializer(invitation).data)

    def perform_destroy(self, instance):
        services.invitation_revoke(invitation=instance, actor_role=self.membership.role)
