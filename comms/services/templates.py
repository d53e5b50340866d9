"""Message templates: an org admin's edits of the plan's texts, checked in the sandbox when saved."""

from django.db import transaction

from comms import templating
from comms.enums import TemplateKind
from comms.models import MessageTemplate
from tenancy.errors import ApplicationError


def template_source(*, organization, kind: str) -> tuple[str, str]:
    """(subject, body) of ``kind`` for the org: its saved template, else the plan's default."""
    row = MessageTemplate.objects.filter(organization=organization, kind=kind).first()
    default_subject, default_body = templating.DEFAULTS[kind]
    if row is None:
        return default_subject, default_body
    return (row.subject or default_subject), row.body


def _check_kind(kind: str) -> None:
    if kind not in TemplateKind.values:
        raise ApplicationError(f"Unknown template kind '{kind}'.",
                               {"kind": [f"Choose one of: {', '.join(TemplateKind.values)}."]})


@transaction.atomic
def message_template_save(*, organization, kind: str, body: str, subject: str = "", updated_by=None,
                          template: MessageTemplate | None = None) -> MessageTemplate:
    """Create or replace the org's template of ``kind``. A syntax error, a refused tag or an undocumented
    variable is a 400 naming the field and the line; nothing is written then."""
    _check_kind(kind)
    if not (body or "").strip():
        raise ApplicationError("A template body is required.", {"body": ["This field may not be blank."]})
    if subject and kind != TemplateKind.USER_EMAIL:
        raise ApplicationError("Only email templates have a subject.", {"subject": ["Only for user_email."]})
    templating.validate(kind, body=body, subject=subject)
    row = template or MessageTemplate.objects.select_for_update().filter(organization=organization, kind=kind).first()
    if row is None:
        row = MessageTemplate(organization=organization, kind=kind)
    elif row.kind != kind and MessageTemplate.objects.filter(organization=organization, kind=kind).exists():
        raise ApplicationError("This organization already has that template.", {"kind": ["Already exists."]})
    row.kind, row.body, row.subject, row.updated_by = kind, body, subject, updated_by
    row.save()
    return row


@transaction.atomic
def message_template_reset(*, template: MessageTemplate) -> None:
    """Drop the org's edit: the plan's default applies again."""
    template.delete()
