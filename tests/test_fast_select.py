"""The fast select draws the same HTML as Django's select, without a template render per option."""

from django import forms
from django.core.cache import cache
from django.test.html import parse_html

from core.widgets import CachedModelSelect, FastSelect

CHOICES = [("", "Tất cả"), (1, "Quận Ba Đình"), (2, 'Phường "Điện Biên" & <Kim Mã>'), (3, "Huyện Đông Anh")]


def test_fast_select_draws_the_same_html_as_djangos_select():
    attrs = {"id": "id_unit", "class": "input"}

    ours = FastSelect(choices=CHOICES).render("unit", 2, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("unit", 2, attrs=attrs)

    assert parse_html(ours) == parse_html(django)


def test_fast_select_marks_the_chosen_option_and_escapes_labels():
    html = FastSelect(choices=CHOICES).render("unit", "2")

    assert '<option value="2" selected>' in html
    assert "&lt;Kim Mã&gt;" in html
    assert "<Kim" not in html
    assert html.count(" selected") == 1


def test_fast_select_draws_option_groups_like_djangos_select():
    grouped = [("Quận", [(1, "Ba Đình"), (2, "Hoàn Kiếm")]), ("Huyện", [(3, "Đông Anh")])]

    ours = FastSelect(choices=grouped).render("unit", 3)
    django = forms.Select(choices=grouped).render("unit", 3)

    assert parse_html(ours) == parse_html(django)


def test_the_empty_option_is_chosen_when_there_is_no_value():
    html = FastSelect(choices=CHOICES).render("unit", None)

    assert '<option value="" selected>' in html
    assert html.count(" selected") == 1
    assert parse_html(html) == parse_html(forms.Select(choices=CHOICES).render("unit", None))


def _unit_field(cache_key):
    from hr.forms import UnitChoiceField
    from personnel.models import OrgUnit

    field = UnitChoiceField(queryset=OrgUnit.objects.order_by("path"), empty_label="Tất cả")
    field.widget = CachedModelSelect(cache_key=cache_key)
    field.widget.choices = field.choices
    return field


def test_cached_unit_options_are_read_once_and_drawn_like_the_fast_select(units, django_assert_num_queries):
    from personnel.models import OrgUnit

    cache.clear()
    key = f"test:units:{OrgUnit.objects.version()}"
    first = _unit_field(key).widget.render("unit", units["H01X1"].pk)
    with django_assert_num_queries(0):
        second = _unit_field(key).widget.render("unit", units["H01X1"].pk)

    plain = _unit_field(key)
    plain.widget = FastSelect(choices=plain.choices)
    assert parse_html(first) == parse_html(second) == parse_html(plain.widget.render("unit", units["H01X1"].pk))
    assert first.count(" selected") == 1
    assert f'value="{units["H01X1"].pk}" selected' in first


def test_a_new_unit_moves_the_units_version_so_its_option_appears(units):
    from personnel.models import OrgUnit

    before = OrgUnit.objects.version()
    OrgUnit.objects.create(code="H03", name="Huyện Mới", level="huyen", parent=units["HN"])

    assert OrgUnit.objects.version() != before
    html = _unit_field(f"test:units:{OrgUnit.objects.version()}").widget.render("unit", None)
    assert "Huyện Mới" in html
    assert '<option value="" selected>Tất cả</option>' in html
