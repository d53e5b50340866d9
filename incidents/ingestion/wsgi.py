"""The short WSGI path of the ingestion endpoints, which ``config/wsgi.py`` puts in front of Django.

Requests to ``MACHINE_PATH_PREFIXES`` come from monitors, authenticated by their routing key
alone, and in an alert storm they are most of the traffic. They have no use for sessions, CSRF,
user authentication, messages, static files or clickjacking headers, nor for the request
signals' other receivers (query log, cache and URLconf resets), which together cost more than a
third of such a request's Python time (bench/bench_ingest.py). ``MachineHandler`` resolves them
in the ingestion URLconf and calls the view as Django would, with Django's own
exception-to-response conversion, keeping the database connection hygiene of the request signals
(``close_old_connections`` before and after). Everything else goes through Django's handler as
configured. The views are the same either way (the test client, which always runs the full
stack, included)."""

from functools import lru_cache

from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from django.http import HttpResponse
from django.urls import Resolver404, get_resolver

from incidents.ingestion.endpoints import respond

MACHINE_PATH_PREFIXES = ("/v2/enqueue", "/v2/change/enqueue", "/integrations/v1/")
MACHINE_URLCONF = "incidents.ingestion.urls"


class MachineHandler:
    """A WSGI application for the views of one URLconf, without Django's request pipeline."""

    def __init__(self, urlconf: str = MACHINE_URLCONF):
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


def with_machine_path(full, machine=None):
    """The WSGI application: ingestion paths to ``machine`` (a ``MachineHandler``), the rest to ``full``."""
    machine = machine or MachineHandler()

    def application(environ, start_response):
        handler = machine if environ.get("PATH_INFO", "").startswith(MACHINE_PATH_PREFIXES) else full
        return handler(environ, start_response)

    return application
