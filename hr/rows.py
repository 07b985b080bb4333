"""The personnel list's rows, drawn in Python: fifty rows of seven cells took a template render of each cell."""

from urllib.parse import quote

from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from personnel.choices import Category

PLACEHOLDER = "CODE0"


def person_rows_html(persons) -> SafeString:
    """Return the ``<tr>`` of each person of a page (``unmet_count`` and ``shown_citizen_id`` set on them).

    The HTML is the one ``_person_results.html`` drew row by row: name (linked) and title, code, birth date,
    unit, category, citizen ID as the reader may see it, and the count of unmet indicators. Every value is escaped.
    """
    link = reverse("personnel:person_detail", args=[PLACEHOLDER])
    date_pattern = get_format("SHORT_DATE_FORMAT")
    categories = {value: escape(label) for value, label in Category.choices}  # in the active language
    lines = []
    for person in persons:
        code = escape(person.code)
        title = f'<div class="muted small">{escape(person.position_title)}</div>' if person.position_title else ""
        born = escape(format_date(person.birth_date, date_pattern)) if person.birth_date else ""
        unmet = (
            f'<span class="badge badge-bad">{int(person.unmet_count)}</span>'
            if person.unmet_count
            else '<span class="badge badge-ok">0</span>'
        )
        lines.append(
            f'<tr data-code="{code}"><td><a href="{escape(link.replace(PLACEHOLDER, quote(person.code, safe="")))}">'
            f"{escape(person.full_name)}</a>{title}</td>"
            f'<td class="nowrap">{code}</td><td class="hide-sm nowrap">{born}</td>'
            f"<td>{escape(person.unit.name)}</td>"
            f'<td class="hide-sm">{categories.get(person.category, escape(person.category))}</td>'
            f'<td class="hide-sm mono">{escape(person.shown_citizen_id or "—")}</td>'
            f'<td class="num unmet-count">{unmet}</td></tr>'
        )
    return mark_safe("\n".join(lines))  # every value above is escaped
