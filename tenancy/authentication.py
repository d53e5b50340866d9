from rest_framework import authentication, exceptions

from tenancy import services
from tenancy.models import ApiToken
from tenancy.tokens import hash_secret


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer fh_…``. The token is bound to one organization: ``request.auth``
    is the ApiToken, and the org-scoped views refuse it for any other organization."""

    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            secret = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = (
            ApiToken.objects.select_related("user", "organization")
            .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        services.api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
