"""The WSGI application gunicorn serves: Django's, with the alert ingestion endpoints on their
short path in front (``incidents.ingestion.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()  # first: it sets Django up

from incidents.ingestion.wsgi import with_machine_path  # noqa: E402

application = with_machine_path(django_application)
