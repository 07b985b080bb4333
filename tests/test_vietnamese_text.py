"""Names sort the Vietnamese way and search ignores accents, on every database."""

import random

from django.db import connection
from django.db.models.functions import Collate
from hypothesis import given
from hypothesis import strategies as st

from core.text import fold, name_keys, split_name
from personnel.models import Person

NAMES_IN_ORDER = [
    "Phạm Văn An",
    "Trần Thị An",
    "Lê Văn Anh",
    "Nguyễn Thị Ánh",
    "Bùi Văn Ăn",
    "Hoàng Ngọc Âu",
    "Đặng Quang Bình",
    "Lý Thị Dung",
    "Hồ Văn Dùng",
    "Hồ Minh Dũng",
    "Nguyễn Văn Dũng",
    "Vũ Đức Đạt",
    "Ngô Thu Hà",
    "Dương Văn Ơn",
    "Phan Thị Uyên",
    "Trần Thị Ưng",
]


def test_split_name_gives_family_middle_and_given_names():
    assert split_name(" Nguyễn  Văn   Dũng ") == ("Nguyễn", "Văn", "Dũng")
    assert split_name("Tôn Nữ Thị Ngọc Hà") == ("Tôn", "Nữ Thị Ngọc", "Hà")
    assert split_name("Lan") == ("", "", "Lan")


def test_fold_removes_accents_and_treats_d_stroke_as_d():
    assert fold("Đặng Văn DŨNG") == "dang van dung"
    assert fold("Nguyễn   Thị  Ánh") == "nguyen thi anh"


@given(st.text(st.sampled_from("aăbdđeêoơuư ÁàẠĐ'-.\t\u00a0\u0301\u0323"), max_size=30) | st.text(max_size=20))
def test_name_keys_read_word_by_word_equal_splitting_and_folding_the_whole_name(full_name):
    keys = name_keys(full_name)

    assert (keys.family, keys.middle, keys.given) == split_name(full_name)
    assert keys.folded == fold(full_name)
    assert keys.sort_key == name_keys(" ".join(full_name.split())).sort_key


def test_a_persons_name_keys_are_those_of_the_name_whatever_its_spacing(make_person):
    person = make_person(full_name="  Đặng\tThị  Ngọc Ánh ", code="Cb-01")
    person.refresh_from_db()

    assert person.full_name == "Đặng Thị Ngọc Ánh"
    assert (person.family_name, person.middle_name, person.given_name) == ("Đặng", "Thị Ngọc", "Ánh")
    assert person.search_text == "dang thi ngoc anh cb-01"
    assert person.sort_key == name_keys("Đặng Thị Ngọc Ánh").sort_key


def test_sort_key_orders_by_given_then_family_name_in_the_vietnamese_alphabet():
    shuffled = random.Random(7).sample(NAMES_IN_ORDER, len(NAMES_IN_ORDER))
    assert sorted(shuffled, key=lambda name: name_keys(name).sort_key) == NAMES_IN_ORDER


def test_the_database_sorts_persons_like_vietnamese_collation(make_person):
    for name in reversed(NAMES_IN_ORDER):
        make_person(full_name=name)
    ordered = list(Person.objects.in_vietnamese_order().values_list("full_name", flat=True))
    assert ordered == NAMES_IN_ORDER
    if connection.vendor == "postgresql":
        # PostgreSQL's ICU Vietnamese collation agrees with the stored key on given, family, middle name.
        icu = Person.objects.order_by(
            Collate("given_name", "vi-x-icu"), Collate("family_name", "vi-x-icu"), Collate("middle_name", "vi-x-icu")
        )
        assert list(icu.values_list("full_name", flat=True)) == NAMES_IN_ORDER


def test_search_ignores_accents_case_and_word_order_of_the_query(make_person):
    dung = make_person(full_name="Nguyễn Văn Dũng", code="CB000123")
    dang = make_person(full_name="Đặng Thị Hoa")
    make_person(full_name="Trần Văn Bình")
    assert list(Person.objects.search("nguyen van dung")) == [dung]
    assert list(Person.objects.search("DANG")) == [dang]
    assert list(Person.objects.search("dũng nguyễn")) == [dung]
    assert list(Person.objects.search("cb000123")) == [dung]
