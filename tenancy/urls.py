from django.contrib.auth import views as auth_views
from django.urls import path
from rest_framework.routers import SimpleRouter

from tenancy import api, views

router = SimpleRouter()
router.register("members", api.MemberViewSet, basename="members")
router.register("tokens", api.ApiTokenViewSet, basename="tokens")
router.register("invitations", api.InvitationViewSet, basename="invitations")

org_urlpatterns = router.urls
urlpatterns: list = [
    path("", views.landing, name="landing"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    # Django's own password-reset views; the admin's login page links to "admin_password_reset".
    path("accounts/password-reset/", views.password_reset, name="admin_password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
