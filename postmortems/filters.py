"""Query-string filters: the action-item tracker (?owner=&status=&overdue=&incident=&postmortem=)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from postmortems.enums import OPEN_ITEM_STATUSES, ActionItemPriority, ActionItemStatus, PostMortemStatus
from postmortems.models import ActionItem, PostMortem, TrainingRecord

TRUE_VALUES = ("true", "True", "1", "yes")
BOOL_CHOICES = [(value, value) for value in ("true", "True", "1", "yes", "false", "False", "0", "no")]


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(django_filters.TypedChoiceFilter):
    """true/false (1/0, yes/no); anything else is a 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=BOOL_CHOICES, coerce=lambda value: value in TRUE_VALUES, **kwargs)


class ActionItemFilter(django_filters.FilterSet):
    owner = django_filters.NumberFilter(field_name="owner_id", help_text="The owner's user id.")
    status = django_filters.MultipleChoiceFilter(choices=ActionItemStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=ActionItemPriority.choices)
    incident = django_filters.NumberFilter(field_name="incident__number", help_text="The incident's number.")
    postmortem = django_filters.NumberFilter(field_name="postmortem_id")
    overdue = BooleanFilter(method="filter_overdue", help_text="true: open and past due.")

    class Meta:
        model = ActionItem
        fields = ["owner", "status", "priority", "incident", "postmortem", "overdue"]

    def filter_overdue(self, queryset, _name, value):
        overdue = Q(status__in=OPEN_ITEM_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class PostMortemFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PostMortemStatus.choices)
    incident = django_filters.NumberFilter(field_name="incident__number")
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = PostMortem
        fields = ["status", "incident", "owner"]


class TrainingRecordFilter(django_filters.FilterSet):
    """``?user=<id>`` as a plain number: a choice filter over every account would tell a caller which
    user ids exist on the platform (a 400 for an unknown one)."""

    user = django_filters.NumberFilter(field_name="user_id", help_text="The member's user id.")

    class Meta:
        model = TrainingRecord
        fields = ["user"]
