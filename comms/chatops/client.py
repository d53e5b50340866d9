"""The outbound side: Slack's official SDK client and the Zoom REST calls, with short timeouts.

Retries are the ledger's (``services.actions``), never the SDK's: its built-in retry of a failed
connection could post a message twice, so ``retry_handlers`` is empty."""

from dataclasses import dataclass

import requests
from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from comms import conf

# Slack answers these when the call can never succeed as made: give up at once.
PERMANENT_ERRORS = {
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
    "missing_scope", "channel_not_found", "is_archived", "not_in_channel", "invalid_blocks", "invalid_name",
    "invalid_name_specials", "invalid_name_required", "invalid_name_maxlength", "msg_too_long", "no_text",
    "users_not_found", "user_not_found", "cant_invite_self", "restricted_action", "team_access_not_granted",
}


class CallFailed(Exception):
    """A Slack or Zoom call failed: ``retry_after`` (seconds) when the server said when to come back,
    ``permanent`` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 error: str = ""):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.error = error


def timeout() -> int:
    return max(1, int(conf.http_timeout()[1]))  # (connect, read): slack-sdk takes one number


# Calls made while Slack waits for our answer (its limit is 3 s): user look-ups and views.open.
INTERACTIVE_TIMEOUT = 2


def slack(token: str, seconds: int | None = None) -> WebClient:
    return WebClient(token=token, base_url=settings.SLACK_API_BASE, timeout=seconds or timeout(), retry_handlers=[])


def failure(exc: Exception) -> CallFailed:
    """What a slack-sdk exception means for the ledger."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
        if response.status_code == 429 or error == "ratelimited":
            retry_after = float(response.headers.get("Retry-After") or response.headers.get("retry-after") or 1)
            return CallFailed(f"Slack rate limit: retry after {retry_after:g}s", retry_after=retry_after,
                              error="ratelimited")
        permanent = error in PERMANENT_ERRORS or (400 <= response.status_code < 500 and not error)
        return CallFailed(f"Slack answered {response.status_code} {error or ''}".strip(), permanent=permanent,
                          error=error)
    return CallFailed(f"Slack unreachable: {exc}")


def call(token: str, method: str, *, seconds: int | None = None, **arguments) -> dict:
    """``WebClient.api_call`` for one method (``seconds``: its timeout); raises ``CallFailed``."""
    try:
        return slack(token, seconds).api_call(method, json=arguments).data
    except (SlackClientError, OSError) as exc:
        raise failure(exc) from exc


def respond(response_url: str, **message) -> None:
    """Answer a slash command or a button through its ``response_url`` (ephemeral unless told)."""
    try:
        response = WebhookClient(response_url, timeout=timeout(), retry_handlers=[]).send_dict(message)
    except (SlackClientError, OSError) as exc:
        raise CallFailed(f"response_url unreachable: {exc}") from exc
    if response.status_code == 429:
        raise CallFailed("response_url rate limited", retry_after=float(response.headers.get("Retry-After") or 1))
    if response.status_code >= 400:
        raise CallFailed(f"response_url answered {response.status_code}", permanent=response.status_code < 500)


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str


def _zoom_token() -> str:
    """Server-to-server OAuth: an account-credentials grant with the app's client id and secret.
    https://developers.zoom.us/docs/internal-apps/s2s-oauth/"""
    response = requests.post(f"{settings.ZOOM_OAUTH_BASE.rstrip('/')}/oauth/token",
                             params={"grant_type": "account_credentials", "account_id": settings.ZOOM_ACCOUNT_ID},
                             auth=(settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET), timeout=timeout())
    _raise_for_zoom(response)
    return response.json()["access_token"]


def _raise_for_zoom(response: requests.Response) -> None:
    if response.status_code == 429:
        raise CallFailed("Zoom rate limit", retry_after=float(response.headers.get("Retry-After") or 1))
    if response.status_code >= 400:
        raise CallFailed(f"Zoom answered HTTP {response.status_code} {response.reason}",
                         permanent=response.status_code in (400, 401, 403, 404))


def zoom_meeting_create(*, topic: str, agenda: str = "") -> Meeting:
    """An instant meeting on the account's default user (``users/me``)."""
    try:
        token = _zoom_token()
        response = requests.post(f"{settings.ZOOM_API_BASE.rstrip('/')}/users/me/meetings",
                                 json={"topic": topic[:200], "type": 1, "agenda": agenda[:2000],
                                       "settings": {"join_before_host": True, "waiting_room": False}},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=timeout())
    except requests.RequestException as exc:
        raise CallFailed(f"Zoom unreachable: {exc}") from exc
    _raise_for_zoom(response)
    data = response.json()
    return Meeting(id=str(data["id"]), join_url=data["join_url"])


def zoom_configured() -> bool:
    return bool(settings.ZOOM_ACCOUNT_ID and settings.ZOOM_CLIENT_ID and settings.ZOOM_CLIENT_SECRET)
