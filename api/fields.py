"""Serializer fields of the API: references to other records by their natural codes, and the citizen ID."""

from collections.abc import Callable

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.encoding import smart_str
from rest_framework import serializers

from accounts.privacy import mask_citizen_id


class CodeField(serializers.SlugRelatedField):
    """A reference by code (``"CB070001"``, ``"H01"``) to a record the caller may see.

    ``scope(user)`` returns the records the caller may refer to (from ``accounts.scoping``); a code
    outside it is reported exactly like an unknown code, so a payload cannot probe other units.
    """

    def __init__(self, *, scope: Callable[[object], QuerySet] | None = None, not_found=None, **kwargs):
        self.scope = scope
        kwargs.setdefault("slug_field", "code")
        if not_found is not None:
            kwargs["error_messages"] = {**kwargs.get("error_messages", {}), "does_not_exist": not_found}
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.scope is None:
            return super().get_queryset()
        request = self.context.get("request")
        return self.scope(getattr(request, "user", None))

    def to_internal_value(self, data):
        # A code is text; NUL characters cannot be stored in PostgreSQL text, so they are refused here.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        data = data.strip()
        # Codes compare without regard to case (core.codes): "cb070001" names CB070001.
        try:
            return self.get_queryset().get(**{f"{self.slug_field}__iexact": data})
        except ObjectDoesNotExist:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        except (TypeError, ValueError, MultipleObjectsReturned):
            self.fail("invalid")


class CitizenIdField(serializers.CharField):
    """A citizen ID: 12 digits when written; masked (``001*******89``) when read unless the reader may see it.

    The view puts ``reveal_citizen_id`` in the context from ``accounts.privacy`` (the one rule).
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value and not self.context.get("reveal_citizen_id"):
            return mask_citizen_id(value)
        return value

    def run_validation(self, data=serializers.empty):
        return super().run_validation(data) or None  # empty means unknown: NULL, so two never collide
