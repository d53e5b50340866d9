from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from tenancy import services
from tenancy.admin_base import (
    OrganizationScopedModelAdmin,
    OrganizationScopedTabularInline,
    organizations_where,
)
from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tenancy.models import ApiToken, Invitation, Membership, Organization, User


class MembershipInline(OrganizationScopedTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser  # org admins invite (Invitations), they do not add people


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedModelAdmin):
    organization_field = "pk"
    list_display = ["name", "slug", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


def actor_role(request, organization: Organization) -> str:
    if request.user.is_superuser:
        return Role.OWNER
    own = Membership.objects.filter(organization=organization, user=request.user).first()
    return own.role if own else Role.VIEWER


@admin.register(Membership)
class MembershipAdmin(OrganizationScopedModelAdmin):
    list_display = ["user", "user__email", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__name", "organization__name"]
    autocomplete_fields = ["user"]

    def has_add_permission(self, request, *args):
        return request.user.is_superuser  # org admins invite (Invitations), they do not add people

    def _actor_role(self, request, membership: Membership) -> str:
        return actor_role(request, membership.organization)

    def delete_model(self, request, obj):
        """Through the service, so tokens are revoked and every app's leave hook runs (on-call…)."""
        try:
            services.membership_delete(membership=obj, actor_role=self._actor_role(request, obj))
        except ApplicationError as exc:
            self.message_user(request, f"{obj}: {exc.message}", level=messages.ERROR)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(Invitation)
class InvitationAdmin(OrganizationScopedModelAdmin):
    """Invite people by email (the add form); resend or revoke pending invitations (actions)."""

    list_display = ["email", "name", "organization", "role", "status", "invited_by", "created_at", "expires_at",
                    "accepted_at"]
    list_filter = ["role", "organization"]
    search_fields = ["email", "name"]
    fields = ["organization", "email", "name", "role"]
    actions = ["resend", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class InvitationForm(form_class):
            def clean(self):
                data = super().clean()
                if obj is None and data.get("organization") and data.get("email"):
                    try:
                        services.invitation_check(organization=data["organization"], email=data["email"],
                                                  role=data.get("role", ""),
                                                  actor_role=actor_role(request, data["organization"]))
                    except ApplicationError as exc:
                        raise ValidationError({field: errors for field, errors in exc.errors.items()
                                               if field in self.fields} or exc.message) from exc
                return data

        return InvitationForm

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row is the record of who was asked in

    def save_model(self, request, obj, form, change):
        if change or not self._allowed(request, obj):
            return
        invitation = services.invitation_create(
            organization=obj.organization, email=obj.email, name=obj.name, role=obj.role,
            invited_by=request.user, actor_role=actor_role(request, obj.organization))
        obj.pk, obj.nonce, obj.expires_at = invitation.pk, invitation.nonce, invitation.expires_at

    def _each(self, request, queryset, service, done: str):
        for invitation in queryset:
            try:
                service(invitation=invitation, actor_role=actor_role(request, invitation.organization))
            except ApplicationError as exc:
                self.message_user(request, f"{invitation.email}: {exc.message}", level=messages.ERROR)
            else:
                self.message_user(request, f"{invitation.email}: {done}")

    @admin.action(description="Resend the invitation (a fresh link)")
    def resend(self, request, queryset):
        self._each(request, queryset, services.invitation_resend, "sent again.")

    @admin.action(description="Revoke the invitation")
    def revoke(self, request, queryset):
        self._each(request, queryset, services.invitation_revoke, "revoked.")


@admin.register(ApiToken)
class ApiTokenAdmin(OrganizationScopedModelAdmin):
    list_display = ["name", "prefix", "user", "organization", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organization"]
    readonly_fields = ["prefix", "secret_hash", "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__email"]

    def has_add_permission(self, request, *args):
        return False  # tokens are created through the API or create_org, so the secret can be shown once


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    """Django's permission groups (unused by Foghorn's roles): superusers only."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ModelAdmin):
    """People are global; a staff member sees the members of their organizations, read-only."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "time_zone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        return users.filter(memberships__organization__in=organizations_where(request, Role.VIEWER)).distinct()

    def _org_admin(self, request) -> bool:
        return request.user.is_superuser or (
            request.user.is_staff and organizations_where(request, Role.VIEWER).exists()
        )

    def has_module_permission(self, request):
        return self._org_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._org_admin(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
