"""The fast select draws the same HTML as Django's select, without a template render per option."""

from django import forms
from django.test.html import parse_html

from core.widgets import FastSelect

CHOICES = [("", "Tất cả"), (1, "Quận Ba Đình"), (2, 'Phường "Điện Biên" & <Kim Mã>'), (3, "Huyện Đông Anh")]


def test_fast_select_draws_the_same_html_as_djangos_select():
    attrs = {"id": "id_unit", "class": "input"}

    ours = FastSelect(choices=CHOICES).render("unit", 2, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("unit", 2, attrs=attrs)

    assert parse_html(ours) == parse_html(django)


def test_fast_select_marks_the_chosen_option_and_escapes_labels():
    html = FastSelect(choices=CHOICES).render("unit", "2")

    assert '<option value="2" selected>' in html
    assert "&lt;Kim Mã&gt;" in html and "<Kim" not in html
    assert html.count(" selected") == 1


def test_fast_select_draws_option_groups_like_djangos_select():
    grouped = [("Quận", [(1, "Ba Đình"), (2, "Hoàn Kiếm")]), ("Huyện", [(3, "Đông Anh")])]

    ours = FastSelect(choices=grouped).render("unit", 3)
    django = forms.Select(choices=grouped).render("unit", 3)

    assert parse_html(ours) == parse_html(django)


def test_the_empty_option_is_chosen_when_there_is_no_value():
    html = FastSelect(choices=CHOICES).render("unit", None)

    assert '<option value="" selected>' in html and html.count(" selected") == 1
    assert parse_html(html) == parse_html(forms.Select(choices=CHOICES).render("unit", None))
