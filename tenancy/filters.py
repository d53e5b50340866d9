"""Filter backends every API list shares."""

from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` with a field the view does not offer is a 400 naming ``ordering`` (DRF would
    silently ignore it, and a client would page through an order it did not ask for)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = self.remove_invalid_fields(queryset, fields, view, request)
            unknown = [field for field in fields if field not in valid]
            if unknown:
                offered = sorted(name for name, _label in self.get_valid_fields(queryset, view, {"request": request}))
                raise ValidationError({self.ordering_param: [
                    f"Unknown ordering {', '.join(unknown)}. Choose from: {', '.join(offered) or 'none'}"
                    " (prefix - for descending)."]})
        return super().get_ordering(request, queryset, view)
