"""The WSGI application gunicorn serves.

Requests to the alert ingestion endpoints (``MACHINE_PATH_PREFIXES``) take a short path: they
come from monitors, authenticated by their routing key alone, and in an alert storm they are
most of the traffic. They have no use for sessions, CSRF, user authentication, messages, static
files or clickjacking headers, nor for the request signals' other receivers (query log, cache
and URLconf resets), which together cost more than a third of such a request's Python time
(bench/bench_ingest.py). ``MachineHandler`` resolves them in the ingestion URLconf and calls the
view as Django would, with Django's own exception-to-response conversion, keeping the database
connection hygiene of the request signals (``close_old_connections`` before and after).
Everything else goes through Django's handler as configured. The views are the same either way
(the test client, which always runs the full stack, included)."""

import os
from functools import lru_cache

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()  # first: it sets Django up

from django.core.handlers.exception import response_for_exception  # noqa: E402
from django.core.handlers.wsgi import WSGIRequest  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import Resolver404, get_resolver  # noqa: E402

from incidents.ingestion.endpoints import respond  # noqa: E402

MACHINE_PATH_PREFIXES = ("/v2/enqueue", "/integrations/v1/")
MACHINE_URLCONF = "incidents.ingestion.urls"


class MachineHandler:
    """A WSGI application for the views of one URLconf, without Django's request pipeline."""

    def __init__(self, urlconf: str):
        # A monitor posts to the same URL again and again: its resolution is kept (a bounded cache;
        # a path that does not resolve raises and is not kept).
        self.resolve = lru_cache(maxsize=4096)(get_resolver(urlconf).resolve)

    def __call__(self, environ, start_response):
        close_old_connections()
        try:
            response = self.get_response(WSGIRequest(environ))
        finally:
            close_old_connections()
        content = response.content
        headers = list(response.items())
        if not response.has_header("Content-Length"):  # as CommonMiddleware does: no chunked encoding
            headers.append(("Content-Length", str(len(content))))
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [content]

    def get_response(self, request) -> HttpResponse:
        try:
            match = self.resolve(request.path_info)
        except Resolver404:
            return respond({"message": "Not found.", "errors": {"path": ["No such endpoint."]}}, 404)
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for every other route
            return match.func(request, *match.args, **match.kwargs)
        except Exception as exc:  # Django's conversion: 4xx for its own exceptions, a logged 500 else
            return response_for_exception(request, exc)


def _dispatching(full, machine):
    def application(environ, start_response):
        handler = machine if environ.get("PATH_INFO", "").startswith(MACHINE_PATH_PREFIXES) else full
        return handler(environ, start_response)

    return application


application = _dispatching(django_application, MachineHandler(MACHINE_URLCONF))
