from django.core.management.base import BaseCommand

from comms.services import secrets


class Command(BaseCommand):
    help = ("Re-encrypt every stored secret with the first FOGHORN_ENCRYPTION_KEY. Run after putting a new "
            "key first; then the old keys can be dropped.")

    def handle(self, *args, **options):
        rows = secrets.secrets_rotate()
        self.stdout.write(f"Re-encrypted {rows} rows.")
