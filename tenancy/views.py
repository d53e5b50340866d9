"""Pages outside the API: the landing page, accepting an invitation, logging in and resetting a password.

The invitation link's signed token is the credential. GET only shows the form (mail scanners fetch
links); POST accepts. The form carries Django's CSRF token like every other form here."""

import logging

from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core import signing
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tenancy import mail, selectors, services
from tenancy.errors import ApplicationError
from tenancy.models import Invitation, User

logger = logging.getLogger(__name__)


@require_GET
def landing(request):
    organizations = selectors.organization_list_for_user(user=request.user) if request.user.is_authenticated else []
    return render(request, "tenancy/landing.html", {"organizations": organizations})


def _invitation_for(token: str) -> tuple[Invitation | None, str]:
    try:
        data = mail.read_invitation_token(token)
    except signing.SignatureExpired:
        return None, "This invitation has expired. Ask whoever invited you for a new one."
    except signing.BadSignature:
        return None, "This invitation link is not valid."
    invitation = (Invitation.objects.select_related("organization", "invited_by")
                  .filter(pk=data["i"], nonce=data["n"]).first())
    if invitation is None or invitation.revoked_at is not None:
        return None, "This invitation link is not valid any more."
    if invitation.accepted_at is None and invitation.expires_at <= timezone.now():
        return None, "This invitation has expired. Ask whoever invited you for a new one."
    return invitation, ""


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token: str):
    invitation, error = _invitation_for(token)
    if error:
        return render(request, "tenancy/invitation.html", {"error": error}, status=404)
    # The invitee holds the link sent to their address: they may learn whether it has an account.
    account = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "has_password": bool(account and account.has_usable_password())}
    if invitation.accepted_at is not None:
        return render(request, "tenancy/invitation.html", {**context, "done": True})
    if request.method == "POST":
        try:
            user = services.invitation_accept(invitation=invitation, password=request.POST.get("password", ""),
                                              name=request.POST.get("name", ""))
        except ApplicationError as exc:
            return render(request, "tenancy/invitation.html", {**context, "errors": exc.errors,
                                                               "message": exc.message}, status=exc.status_code)
        auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return render(request, "tenancy/invitation.html", {**context, "done": True, "user": user})
    return render(request, "tenancy/invitation.html", context)


class ResetFormForEveryMember(PasswordResetForm):
    """Django's form sends only to accounts with a usable password; a member who was added before
    invitations existed has none yet and needs this link to set one."""

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)


password_reset = auth_views.PasswordResetView.as_view(
    form_class=ResetFormForEveryMember,
    email_template_name="tenancy/email/password_reset.txt",
    html_email_template_name="tenancy/email/password_reset.html",
    subject_template_name="tenancy/email/password_reset_subject.txt",
    extra_email_context={"base_url": mail.base_url()},
)
login = auth_views.LoginView.as_view(template_name="tenancy/login.html", next_page="/")
