"""Names sort the Vietnamese way and search ignores accents, on every database."""

import random

from django.db import connection
from django.db.models.functions import Collate

from core.text import fold, name_sort_key, split_name
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


def test_sort_key_orders_by_given_then_family_name_in_the_vietnamese_alphabet():
    shuffled = random.Random(7).sample(NAMES_IN_ORDER, len(NAMES_IN_ORDER))
    assert sorted(shuffled, key=name_sort_key) == NAMES_IN_ORDER


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
