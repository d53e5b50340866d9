from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tenancy import services
from tenancy.enums import Role
from tenancy.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an organization, its owner and an API token; the token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="The owner's email (created if new).")
        parser.add_argument("--owner-name", default="")
        parser.add_argument("--password", default=None, help="Give the owner a usable password (and admin access).")
        parser.add_argument("--time-zone", default="UTC")

    def handle(self, *args, slug, name, owner, owner_name, password, time_zone, **options):
        try:
            with transaction.atomic():
                organization = services.organization_create(name=name, slug=slug, time_zone=time_zone)
                membership = services.membership_create(
                    organization=organization, email=owner, name=owner_name, role=Role.OWNER, password=password
                )
                user = membership.user
                if password:
                    user.set_password(password)
                    user.is_staff = True
                    user.save(update_fields=["password", "is_staff"])
                else:
                    # No password given: the owner gets an emailed link to choose one.
                    services.member_password_reset_send(membership=membership)
                _token, secret = services.api_token_create(organization=organization, user=user, name="create_org")
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.errors}") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not password:
            self.stderr.write(f"Emailed {user.email} a link to set their password.")
        self.stderr.write(f"Created organization '{organization.slug}' owned by {user.email}. API token:")
        self.stdout.write(secret)
