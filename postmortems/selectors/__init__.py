"""Every read of the postmortems app. ``metrics`` and ``readiness`` are the API other apps (the
leadership dashboard) call; their shapes are documented in ``postmortems/README.md``."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from postmortems.enums import OPEN_ITEM_STATUSES, PostMortemStatus
from postmortems.models import ActionItem, Drill, PostMortem, TrainingRecord
from postmortems.selectors.figures import metrics
from postmortems.selectors.readiness import readiness
from postmortems.selectors.review import monthly_review
from tenancy.models import Organization


def postmortem_list() -> QuerySet[PostMortem]:
    return (PostMortem.objects.select_related("incident__severity", "incident__organization", "owner",
                                              "root_cause_category", "waived_by")
            .prefetch_related("attendees", "whys", "timeline_entries"))


def action_item_list() -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("owner", "incident")


def overdue_by_owner(*, organization: Organization) -> list[dict]:
    """Open items past their due date, counted per owner (most first), for admins."""
    rows = (ActionItem.objects.filter(organization=organization, status__in=OPEN_ITEM_STATUSES,
                                      due_date__lt=timezone.localdate(), incident__is_drill=False)
            .values("owner_id", "owner__email", "owner__name")
            .annotate(overdue=Count("pk"), high=Count("pk", filter=Q(priority="high")))
            .order_by("-overdue", "owner__email"))
    return [{"owner": {"id": row["owner_id"], "email": row["owner__email"], "name": row["owner__name"]}
             if row["owner_id"] else None, "overdue": row["overdue"], "high_priority": row["high"]} for row in rows]


def drill_list() -> QuerySet[Drill]:
    return Drill.objects.select_related("runbook", "service", "facilitator", "incident__severity").prefetch_related(
        "participants")


def training_record_list() -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.select_related("user", "drill")




def postmortems_due(*, organization: Organization, now, within) -> list[PostMortem]:
    """Unpublished post-mortems of real incidents due before ``now + within`` (overdue ones first)."""
    return list(PostMortem.objects.filter(organization=organization, incident__is_drill=False,
                                          due_at__lt=now + within)
                .exclude(status=PostMortemStatus.PUBLISHED).exclude(waived_at__isnull=False)
                .select_related("incident", "owner").order_by("due_at"))


__all__ = ["action_item_list", "drill_list", "metrics", "monthly_review", "overdue_by_owner", "postmortem_list",
           "postmortems_due", "readiness", "training_record_list"]
