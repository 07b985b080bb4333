"""Form widgets and choices that stay fast on lists of hundreds of options."""

from collections.abc import Callable, Iterable

from django import forms
from django.core.cache import cache
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe


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


CACHE_SECONDS = 24 * 3600


def cached_options(key: str, choices: Callable[[], Iterable[tuple[object, str]]]) -> str:
    """Return the ``<option>``s of ``choices()`` (value, label), none chosen, drawn once per ``key``.

    The key must change whenever the choices may (a version of the rows, the user's scope, which value the
    options carry); ``choices`` is read only when the key is new. Mark the chosen one with ``mark_chosen``.
    """
    options = cache.get(key)
    if options is None:
        options = "".join(FastSelect._option(value, label, set()) for value, label in choices())
        cache.set(key, options, CACHE_SECONDS)
    return options


def mark_chosen(options: str, chosen: Iterable[str]) -> SafeString:
    """Return drawn ``<option>``s (``cached_options``) with the options of the ``chosen`` values marked."""
    for value in chosen:
        marker = f'<option value="{escape(value)}">'
        options = options.replace(marker, marker[:-1] + " selected>", 1)
    return mark_safe(options)


class DrawnOptionsSelect(FastSelect):
    """A model select whose options come already drawn (``cached_options``), e.g. hundreds of units.

    Only the empty choice (its label is translated) and the chosen mark are drawn per request; ``options``
    is called when the select is drawn.
    """

    def __init__(self, *args, options: Callable[[], str], **kwargs):
        super().__init__(*args, **kwargs)
        self.options = options

    def render(self, name, value, attrs=None, renderer=None):
        """Return the ``<select>`` with the drawn options, the chosen one marked."""
        chosen = {str(v) for v in self.format_value(value)}
        empty_label = self.choices.field.empty_label
        empty = "" if empty_label is None else self._option("", empty_label, chosen)
        return self._select(name, attrs, empty + mark_chosen(self.options(), chosen - {""}))


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
