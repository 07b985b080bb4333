"""The rules a person's record obeys, stated once: the person form, the API and the import call them.

Each rule is a named function that returns ``{field: [message]}`` (empty when the record obeys it);
``raise_errors`` turns such a dictionary into a Django ``ValidationError`` keyed by field. The messages
are those the person form has always shown (data-exchange, section 2).

Uniqueness is the database's: the messages of a taken code or citizen ID are those of the model
(``unique_message``), which the form and the API show through ``full_clean`` and the import repeats; a
record's taken natural key (a person's qualification, appointment or course result twice) is refused with
its constraint's message (``natural_key_errors``).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Model, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

Errors = dict[str, list[str]]


def person_date_errors(
    *,
    birth_date: datetime.date | None,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
    today: datetime.date | None = None,
) -> Errors:
    """Return what is wrong with a person's dates, by field.

    A birth or start date after today is refused; the start must come after the birth and the end may
    not come before the start. A date already refused is not compared with the others (one message per
    mistake, as the form has always shown them).
    """
    today = today or timezone.localdate()
    errors: Errors = {}
    if birth_date and birth_date > today:
        errors["birth_date"] = [_("Ngày sinh không được ở tương lai.")]
        birth_date = None
    if start_date and start_date > today:
        errors["start_date"] = [_("Ngày bắt đầu công tác không được ở tương lai.")]
        start_date = None
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = [_("Ngày thôi việc không được trước ngày bắt đầu công tác.")]
    if birth_date and start_date and start_date <= birth_date:
        errors["start_date"] = [_("Ngày bắt đầu công tác phải sau ngày sinh.")]
    return errors


def unique_message(model: type[Model], field: str) -> str:
    """Return the message of a value of ``field`` another record of ``model`` already holds.

    It is the database's: the ``violation_error_message`` of the model's unique constraint on the field
    (``core.codes.code_unique_in_any_case``), else the field's own ``unique`` message.
    """
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.violation_error_message:
            names = set(constraint.fields) | {getattr(e, "name", None) for e in constraint.expressions}
            names |= {getattr(s, "name", None) for e in constraint.expressions for s in e.get_source_expressions()}
            if field in names:
                return str(constraint.violation_error_message)
    return str(model._meta.get_field(field).error_messages["unique"])


def natural_key(model: type[Model]) -> UniqueConstraint:
    """Return the model's natural key: its unique constraint over fields that carries its own message."""
    return next(
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint)
        and constraint.fields
        and constraint.violation_error_message != constraint.default_violation_error_message
    )


def natural_key_errors(instance: Model, field: str) -> Errors:
    """Return ``{field: [message]}`` when another record holds ``instance``'s natural key (``natural_key``), else {}.

    The database refuses such a record anyway; the form and the API say so before the write, next to ``field``,
    in the constraint's words. A key not filled in yet is not looked up (the field's own error says so). An empty
    date matches an empty date, as the import matches rows (an undated qualification twice is one qualification),
    where the database, to which NULLs all differ, would take both.
    """
    model = type(instance)
    constraint = natural_key(model)
    values = {}
    for name in constraint.fields:
        model_field = model._meta.get_field(name)
        value = getattr(instance, model_field.attname)
        if value in (None, "") and not model_field.null:
            return {}
        values[model_field.attname] = value
    others = model._default_manager.filter(**values)
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    return {field: [str(constraint.get_violation_error_message())]} if others.exists() else {}


def raise_errors(errors: Errors) -> None:
    """Raise the errors as a ValidationError keyed by field (nothing when there are none)."""
    if errors:
        raise ValidationError(errors)
