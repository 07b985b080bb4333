"""The fast select draws the same HTML as Django's select, without a template render per option."""

import re

from django import forms
from django.core.cache import cache
from django.test.html import parse_html

from accounts.pickers import unit_options
from core.widgets import DrawnOptionsSelect, FastSelect

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


def _unit_select(user, version):
    from accounts.pickers import unit_options
    from accounts.scoping import visible_units
    from hr.forms import UnitChoiceField

    field = UnitChoiceField(queryset=visible_units(user), empty_label="Tất cả")
    field.widget = DrawnOptionsSelect(options=lambda: unit_options(user, version=version, value="id"))
    field.widget.choices = field.choices
    return field.widget


def test_cached_unit_options_are_read_once_and_drawn_like_the_fast_select(make_user, units, django_assert_num_queries):
    from accounts.scoping import visible_units
    from hr.forms import UnitChoiceField
    from personnel.models import OrgUnit

    cache.clear()
    user = make_user("hr", role="hr", unit="H01")
    user = type(user).objects.prefetch_related("groups").get(pk=user.pk)  # as the requests' users are
    version = OrgUnit.objects.version()
    first = _unit_select(user, version).render("unit", units["H01X1"].pk)
    with django_assert_num_queries(0):
        second = _unit_select(user, version).render("unit", units["H01X1"].pk)

    plain = UnitChoiceField(queryset=visible_units(user).order_by("path"), empty_label="Tất cả")
    plain.widget = FastSelect(choices=plain.choices)
    assert parse_html(first) == parse_html(second) == parse_html(plain.widget.render("unit", units["H01X1"].pk))
    assert first.count(" selected") == 1
    assert f'value="{units["H01X1"].pk}" selected' in first
    assert "Sở Nội vụ" not in first  # outside an H01 officer's scope


def test_a_new_unit_moves_the_units_version_so_its_option_appears(make_user, units):
    from personnel.models import OrgUnit

    user = make_user("viewer", role="viewer", unit=None)
    before = OrgUnit.objects.version()
    _unit_select(user, before).render("unit", None)
    OrgUnit.objects.create(code="H03", name="Huyện Mới", level="huyen", parent=units["HN"])

    assert OrgUnit.objects.version() != before
    html = _unit_select(user, OrgUnit.objects.version()).render("unit", None)
    assert "Huyện Mới" in html
    assert '<option value="" selected>Tất cả</option>' in html


def test_the_dashboard_and_the_list_offer_the_same_units_one_by_code_the_other_by_id(make_user, units):
    user = make_user("viewer", role="viewer", unit="H01")  # a city-wide role: every unit

    by_code = re.findall(r'<option value="([^"]*)">([^<]*)</option>', unit_options(user, version="1", value="code"))
    by_id = re.findall(r'<option value="([^"]*)">([^<]*)</option>', unit_options(user, version="1", value="id"))

    assert [label for _, label in by_code] == [label for _, label in by_id]
    assert [code for code, _ in by_code] == [u.code for u in sorted(units.values(), key=lambda u: u.path)]
    assert [int(pk) for pk, _ in by_id] == [u.pk for u in sorted(units.values(), key=lambda u: u.path)]
    assert by_code[3] == ("H01X1", "— — UBND phường Phúc Xá (H01X1)")
