"""A local stand-in of the Slack Web API: a real HTTP server on a free loopback port that answers like
Slack (the JSON shapes of api.slack.com/methods), for the real ``slack_sdk.WebClient`` to talk to.

``SlackStandIn().start()``; ``.base`` is SLACK_API_BASE (``http://127.0.0.1:<port>/api/``);
``.add_user(email, confirmed=True)``, ``.add_channel(name, creator)``, ``.add_usergroup(handle)`` seed the
workspace; ``.fail(method, error="ratelimited", status=429, retry_after=1, times=1, delay=0, post=False)``
scripts answers (``post=True``: do the call, then answer late — a lost answer); ``.calls`` records every
call (``.calls_to(method)``); ``.responses`` records what was posted to response URLs (``.response_url()``).
"""

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TEAM_ID = "T0STANDIN"
BOT_USER = "UBOT0001"
BOT_TOKEN = "xoxb-standin-token"


@dataclass
class Call:
    method: str
    args: dict
    token: str
    at: float


@dataclass
class Script:
    method: str
    error: str
    status: int
    retry_after: float | None
    times: int
    delay: float
    post: bool


@dataclass
class Channel:
    id: str
    name: str
    creator: str
    members: set = field(default_factory=set)
    topic: str = ""
    messages: list = field(default_factory=list)


class SlackStandIn:
    def __init__(self, team_id: str = TEAM_ID, bot_token: str = BOT_TOKEN):
        self.team_id = team_id
        self.bot_token = bot_token
        self.calls: list[Call] = []
        self.responses: list[dict] = []
        self.scripts: list[Script] = []
        self.users: dict[str, dict] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: list[dict] = []
        self.views: list[dict] = []
        self.lock = threading.Lock()
        self._counter = 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                standin._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle and seeding --------------------------------------------------------
    def start(self) -> "SlackStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def base(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.url}/response/{name}"

    def _id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:08d}"

    def add_user(self, email: str, *, confirmed: bool = True, name: str = "") -> str:
        user_id = self._id("U")
        self.users[user_id] = {"id": user_id, "team_id": self.team_id, "name": email.split("@")[0],
                               "deleted": False, "is_bot": False, "is_email_confirmed": confirmed,
                               "profile": {"email": email, "real_name": name or email.split("@")[0]}}
        return user_id

    def add_channel(self, name: str, creator: str = "UOTHER001") -> str:
        channel_id = self._id("C")
        self.channels[channel_id] = Channel(channel_id, name, creator)
        return channel_id

    def add_usergroup(self, handle: str, users: list[str] | tuple = ()) -> str:
        group_id = self._id("S")
        self.usergroups.append({"id": group_id, "team_id": self.team_id, "handle": handle, "name": handle.title(),
                                "is_usergroup": True, "users": list(users), "user_count": len(users)})
        return group_id

    def fail(self, method: str, *, error: str = "ratelimited", status: int | None = None,
             retry_after: float | None = None, times: int = 1, delay: float = 0, post: bool = False) -> None:
        if status is None:
            status = 429 if error == "ratelimited" else 200
        self.scripts.append(Script(method, error, status, retry_after, times, delay, post))

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def channel_named(self, name: str) -> Channel | None:
        return next((channel for channel in self.channels.values() if channel.name == name), None)

    # --- HTTP -------------------------------------------------------------------------
    def _read(self, handler) -> dict:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode()
        if "json" in (handler.headers.get("Content-Type") or ""):
            return json.loads(raw or "{}")
        return {key: values[0] for key, values in parse_qs(raw).items()}

    def _send(self, handler, status: int, body: dict, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _script_for(self, method: str) -> Script | None:
        with self.lock:
            script = next((s for s in self.scripts if s.method == method and s.times > 0), None)
            if script is not None:
                script.times -= 1
            return script

    def _handle(self, handler) -> None:
        args = self._read(handler)
        if handler.path.startswith("/response/"):
            with self.lock:
                self.responses.append({"path": handler.path, **args})
            self._send(handler, 200, {"ok": True})
            return
        method = handler.path.removeprefix("/api/").split("?")[0]
        token = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        with self.lock:
            self.calls.append(Call(method, args, token, time.time()))
        script = self._script_for(method)
        if script is not None and not script.post:
            time.sleep(script.delay)
            headers = {"Retry-After": str(int(script.retry_after or 1))} if script.error == "ratelimited" else {}
            self._send(handler, script.status, {"ok": False, "error": script.error}, headers)
            return
        if method != "oauth.v2.access" and token != self.bot_token:
            self._send(handler, 200, {"ok": False, "error": "invalid_auth"})
            return
        with self.lock:
            status, body = self._answer(method, args)
        if script is not None:  # did the work; the answer is late (the client has given up)
            time.sleep(script.delay)
        with contextlib.suppress(BrokenPipeError):
            self._send(handler, status, body)

    def _answer(self, method: str, args: dict) -> tuple[int, dict]:
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return 200, {"ok": False, "error": "unknown_method"}
        return 200, answer(args)

    # --- methods ----------------------------------------------------------------------
    def _oauth_v2_access(self, args):
        if args.get("code") != "good-code":
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, "app_id": "A0STANDIN", "authed_user": {"id": "UINSTALLER"}, "scope":
                "chat:write,commands,channels:manage", "token_type": "bot", "access_token": self.bot_token,
                "bot_user_id": BOT_USER, "team": {"id": self.team_id, "name": "Stand-in Workspace"},
                "enterprise": None, "is_enterprise_install": False}

    def _auth_revoke(self, args):
        return {"ok": True, "revoked": True}

    def _conversations_create(self, args):
        name = args.get("name", "")
        if self.channel_named(name):
            return {"ok": False, "error": "name_taken"}
        if len(name) > 80 or name != name.lower() or not name:
            return {"ok": False, "error": "invalid_name_specials"}
        channel_id = self.add_channel(name, BOT_USER)
        self.channels[channel_id].members.add(BOT_USER)
        return {"ok": True, "channel": self._channel_json(self.channels[channel_id])}

    def _channel_json(self, channel: Channel) -> dict:
        return {"id": channel.id, "name": channel.name, "is_channel": True, "is_private": False,
                "created": 1700000000, "creator": channel.creator, "is_archived": False,
                "topic": {"value": channel.topic, "creator": BOT_USER, "last_set": 0},
                "num_members": len(channel.members)}

    def _conversations_list(self, args):
        return {"ok": True, "channels": [self._channel_json(c) for c in self.channels.values()],
                "response_metadata": {"next_cursor": ""}}

    def _conversations_setTopic(self, args):
        channel = self.channels.get(args.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        channel.topic = args.get("topic", "")
        return {"ok": True, "channel": self._channel_json(channel)}

    def _conversations_invite(self, args):
        channel = self.channels.get(args.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = [user for user in str(args.get("users", "")).split(",") if user]
        if any(user not in self.users for user in users):
            return {"ok": False, "error": "user_not_found"}
        if all(user in channel.members for user in users):
            return {"ok": False, "error": "already_in_channel"}
        channel.members.update(users)
        return {"ok": True, "channel": self._channel_json(channel)}

    def _conversations_history(self, args):
        channel = self.channels.get(args.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        messages = list(reversed(channel.messages))
        if args.get("latest"):
            messages = [m for m in messages if float(m["ts"]) <= float(args["latest"])]
        messages = messages[: int(args.get("limit") or 100)]
        return {"ok": True, "messages": messages, "has_more": False}

    def _users_lookupByEmail(self, args):
        user = next((u for u in self.users.values() if u["profile"]["email"] == args.get("email")), None)
        return {"ok": True, "user": user} if user else {"ok": False, "error": "users_not_found"}

    def _users_info(self, args):
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _usergroups_list(self, args):
        return {"ok": True, "usergroups": [{k: v for k, v in g.items() if k != "users"} for g in self.usergroups]}

    def _usergroups_users_list(self, args):
        group = next((g for g in self.usergroups if g["id"] == args.get("usergroup")), None)
        return {"ok": True, "users": group["users"]} if group else {"ok": False, "error": "no_such_subteam"}

    def _chat_postMessage(self, args):
        target = str(args.get("channel", ""))
        channel = self.channels.get(target) or self.channel_named(target.lstrip("#"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = f"{1700000000 + len(self.calls)}.{len(channel.messages):06d}"
        message = {"type": "message", "user": BOT_USER, "text": args.get("text", ""), "ts": ts,
                   "blocks": args.get("blocks") or [], "bot_id": "B0STANDIN"}
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    def _chat_update(self, args):
        channel = self.channels.get(str(args.get("channel", "")))
        message = next((m for m in channel.messages if m["ts"] == args.get("ts")), None) if channel else None
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update(text=args.get("text", ""), blocks=args.get("blocks") or [], edited={"user": BOT_USER})
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def _chat_postEphemeral(self, args):
        return {"ok": True, "message_ts": f"{time.time():.6f}"}

    def _views_open(self, args):
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        self.views.append(view)
        return {"ok": True, "view": {"id": self._id("V"), "team_id": self.team_id, **view}}
