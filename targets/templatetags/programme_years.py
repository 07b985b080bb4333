"""``{% year_note programme year %}``: what a page says about the year it shows (targets.years.year_note)."""

from django import template
from django.utils.html import format_html

from targets.years import year_note as _year_note

register = template.Library()


@register.simple_tag
def year_note(programme, year):
    """Return a note paragraph about ``year`` of ``programme``, or nothing when it is simply the current year."""
    text = _year_note(programme, int(year)) if year else ""
    return format_html('<p class="year-note" role="note">{}</p>', text) if text else ""
