"""The personnel list's rows, drawn in Python: fifty rows of seven cells took a template render of each cell."""

from urllib.parse import quote

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

PLACEHOLDER = "CODE0"


def person_rows_html(persons) -> SafeString:
    """Return the ``<tr>`` of each person of a page (``unmet_count`` and ``shown_citizen_id`` set on them).

    The HTML is the one ``_person_results.html`` drew row by row: name (linked) and title, code, birth date,
    unit, category, citizen ID as the reader may see it, and the count of unmet indicators.
    """
    link = reverse("personnel:person_detail", args=[PLACEHOLDER])

    def title(person) -> str:
        return format_html('<div class="muted small">{}</div>', person.position_title) if person.position_title else ""

    return format_html_join(
        "\n",
        '<tr data-code="{}"><td><a href="{}">{}</a>{}</td><td class="nowrap">{}</td>'
        '<td class="hide-sm nowrap">{}</td><td>{}</td><td class="hide-sm">{}</td>'
        '<td class="hide-sm mono">{}</td><td class="num unmet-count">{}</td></tr>',
        (
            (
                person.code,
                link.replace(PLACEHOLDER, quote(person.code, safe="")),
                person.full_name,
                title(person),
                person.code,
                date_format(person.birth_date, "SHORT_DATE_FORMAT") if person.birth_date else "",
                person.unit.name,
                person.get_category_display(),
                person.shown_citizen_id or "—",
                format_html('<span class="badge badge-bad">{}</span>', person.unmet_count)
                if person.unmet_count
                else format_html('<span class="badge badge-ok">0</span>'),
            )
            for person in persons
        ),
    )
