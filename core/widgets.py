"""Form widgets and choices that stay fast on lists of hundreds of options."""

from django import forms
from django.core.cache import cache
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe

# Units are offered the same way on every page: in tree order (their materialised path), each indented by
# its depth and followed by its code, so that typing a code or a name finds it (static/js/pickers.js).
UNIT_ORDER = "path"


def unit_option_label(name: str, code: str, depth: int) -> str:
    """Return how a unit reads in every unit picker: "— — UBND phường Phúc Xá (H01X1)"."""
    return f"{'— ' * depth}{name} ({code})"


class FastSelect(forms.Select):
    """A single select drawn in Python, not with one template render per option.

    Django draws each ``<option>`` through the form renderer's templates; for the city's 701 units that
    took most of the personnel list's time. The HTML is the same as ``forms.Select``'s.
    """

    def render(self, name, value, attrs=None, renderer=None):
        """Return the ``<select>`` with its options, the chosen one marked."""
        chosen = {str(v) for v in self.format_value(value)}
        parts = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(self._option(v, label, chosen) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, chosen))
        return self._select(name, attrs, "".join(parts))

    def _select(self, name, attrs, options: str) -> str:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"{format_html('<select{}>', flatatt(final_attrs))}{options}</select>")

    @staticmethod
    def _option(value, label, chosen: set[str]) -> str:
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        return f'<option value="{escape(value)}"{selected}>{conditional_escape(label)}</option>'


class CachedModelSelect(FastSelect):
    """A model select whose options are drawn once per ``cache_key`` and kept in the cache.

    The key must change whenever the choices may (a version of the rows, the user's scope); the
    model's rows are then read only when the key is new. The empty choice is drawn per request (its
    label is translated), and the chosen option is marked in the cached HTML.
    """

    CACHE_SECONDS = 24 * 3600

    def __init__(self, *args, cache_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache_key = cache_key

    def render(self, name, value, attrs=None, renderer=None):
        """Return the ``<select>`` with the cached options, the chosen one marked."""
        chosen = {str(v) for v in self.format_value(value)}
        options = cache.get(self.cache_key)
        if options is None:
            rows = ListedChoiceIterator(self.choices.field)
            options = "".join(self._option(v, label, set()) for v, label in rows if v != "")
            cache.set(self.cache_key, options, self.CACHE_SECONDS)
        for chosen_value in chosen - {""}:
            marker = f'<option value="{escape(chosen_value)}">'
            options = options.replace(marker, marker[:-1] + " selected>", 1)
        empty_label = self.choices.field.empty_label
        empty = "" if empty_label is None else self._option("", empty_label, chosen)
        return self._select(name, attrs, empty + options)


class ListedChoiceIterator(ModelChoiceIterator):
    """Model choices read with one plain query.

    Django reads them with ``QuerySet.iterator()``, which on PostgreSQL opens a server-side cursor: three
    round trips (declare, fetch, close) for a few hundred small rows. Use it as a field's ``iterator``.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # A field may carry its rows already read (``listed_rows``, in the queryset's order): no query then.
        rows = getattr(self.field, "listed_rows", None)
        for obj in rows if rows is not None else self.queryset.all():
            yield self.choice(obj)
