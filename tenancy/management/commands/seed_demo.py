import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from tenancy import demo


class Command(BaseCommand):
    help = "Build (or complete) the demo organization. Idempotent: running it again adds nothing twice."

    @transaction.atomic
    def handle(self, *args, **options):
        organization = demo.seed()
        # Each app may add to the demo org in <app>/demo.py: seed(organization), in layer order.
        for name in settings.FOGHORN_APPS[1:]:
            try:
                module = importlib.import_module(f"{name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{name}.demo":
                    raise
                continue
            module.seed(organization)
        self.stdout.write(
            f"Demo organization '{organization.slug}' ready. Log in as {demo.DEMO_ADMIN_EMAIL} / {demo.DEMO_PASSWORD}"
        )
