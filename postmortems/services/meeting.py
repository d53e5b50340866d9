"""The post-mortem meeting and the monthly review mail."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from postmortems import render, selectors
from postmortems.enums import MailKind
from postmortems.models import PostMortem
from postmortems.services.mail import invitations_queue, mail_queue
from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tenancy.models import Membership, Organization, User


@transaction.atomic
def postmortem_schedule(*, postmortem: PostMortem, meeting_at: datetime, minutes: int = 60, location: str = "",
                        actor: User | None = None) -> PostMortem:
    """Set the meeting and email each attendee an invitation with an ``.ics`` (sent by the mail ticker,
    once per attendee and meeting time)."""
    now = timezone.now()
    if meeting_at is None or meeting_at <= now:
        raise ApplicationError("The meeting must be in the future.", {"meeting_at": ["Must be in the future."]})
    if not 5 <= minutes <= 480:
        raise ApplicationError("Between 5 and 480 minutes.", {"minutes": ["Between 5 and 480."]})
    postmortem = (PostMortem.objects.select_for_update(of=("self",)).select_related("incident__organization", "owner")
                  .get(pk=postmortem.pk))
    postmortem.meeting_at, postmortem.meeting_minutes, postmortem.meeting_location = meeting_at, minutes, location
    postmortem.save()
    invitations_queue(postmortem=postmortem, now=now)
    return postmortem


def previous_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def monthly_reviews_queue(*, now: datetime | None = None, month: str | None = None) -> int:
    """Queue last month's review (plan 8.2) to every admin and owner of every organization: one mail per
    (organization, month, person), so a second run of the beat task sends nothing twice."""
    now = now or timezone.now()
    month = month or previous_month(timezone.localdate(now))
    queued = 0
    for organization in Organization.objects.all():
        admins = (Membership.objects.filter(organization=organization, role__in=Role.admin_roles())
                  .select_related("user"))
        people = [membership.user for membership in admins if membership.user.email]
        if not people:
            continue
        review = selectors.monthly_review(organization=organization, month=month)
        body = render.review_markdown(review)
        for user in people:
            queued += mail_queue(organization_id=organization.pk, kind=MailKind.MONTHLY_REVIEW, to=user.email,
                                 key=f"review:{organization.pk}:{month}:{user.pk}", body=body,
                                 subject=f"Monthly incident review {month}: {organization.name}")
    return queued
