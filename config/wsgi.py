"""The WSGI application gunicorn serves.

Requests to the alert ingestion endpoints (``MACHINE_PATH_PREFIXES``) skip the middleware stack:
they come from monitors, authenticated by their routing key alone, and have no use for
sessions, CSRF, user authentication, messages, static files or clickjacking headers, which
cost a fifth of the request's time in an alert storm. Everything else goes through Django as
configured. Both handlers share the URLconf, so the same view answers on either path (the
test client, which always runs the middleware, included)."""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

MACHINE_PATH_PREFIXES = ("/v2/enqueue", "/integrations/v1/")


class MachineHandler(WSGIHandler):
    """Django's WSGI handler with no middleware: request signals, URL resolution, the view and
    Django's exception-to-response conversion, as ``load_middleware`` builds them for an empty
    ``MIDDLEWARE``."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


def _dispatching(full, machine):
    def application(environ, start_response):
        handler = machine if environ.get("PATH_INFO", "").startswith(MACHINE_PATH_PREFIXES) else full
        return handler(environ, start_response)

    return application


application = _dispatching(get_wsgi_application(), MachineHandler())
