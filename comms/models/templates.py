"""An org's edited message templates (the plan's defaults apply to kinds without a row)."""

from django.conf import settings
from django.db import models

from comms.enums import TemplateKind
from tenancy.models import OrganizationOwned


class MessageTemplate(OrganizationOwned):
    """The text of one kind of message, in the sandboxed Django template language (``comms.templating``).
    Written only through ``comms.services.templates``, which refuses a syntax error or an unknown
    variable at save time (naming the line), so rendering never fails in the middle of an outage."""

    kind = models.CharField(max_length=20, choices=TemplateKind.choices)
    subject = models.CharField(max_length=300, blank=True, help_text="Email kinds only.")
    body = models.TextField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="messagetemplate_unique_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()
