"""The small write helpers every app's services share (HackSoft's ``model_update``)."""

from collections.abc import Iterable, Mapping

from django.db.models import Model


def model_update(*, instance: Model, fields: Iterable[str], data: Mapping, validate: bool = True,
                 ) -> tuple[Model, list[str]]:
    """Set those of ``fields`` that ``data`` carries, validate, and save only what changed.

    Returns the instance and the names that changed (empty: nothing was written). Many-to-many
    fields are set after the row is saved. ``full_clean`` raises Django's ``ValidationError``,
    which the API renders as a 400 naming the field. Call it inside the service's transaction.
    """
    changed: list[str] = []
    m2m: dict = {}
    for name in fields:
        if name not in data:
            continue
        model_field = instance._meta.get_field(name)
        if model_field.many_to_many:
            m2m[name] = data[name]
            continue
        if getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    if changed:
        if validate:
            instance.full_clean()
        update_fields = [instance._meta.get_field(name).name for name in changed]
        if any(field.name == "updated_at" for field in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    for name, values in m2m.items():
        manager = getattr(instance, name)
        wanted = {getattr(value, "pk", value) for value in values}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(values)
            changed.append(name)
    return instance, changed
