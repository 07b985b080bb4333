"""`manage.py seed_demo`: Hanoi's real units, synthetic people, believable compliance figures, demo accounts."""

import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import role_of
from personnel import demo
from personnel.models import Appointment, OrgUnit, Person, Qualification
from targets.compliance import evaluate, evaluate_children
from training.models import Course, TrainingRecord

TODAY = datetime.date(2026, 11, 26)
COMMUNE_CATEGORIES = {"can_bo_xa", "cong_chuc_xa", "khong_chuyen_trach", "vien_chuc", "khac"}
UPPER_CATEGORIES = {"can_bo", "cong_chuc", "vien_chuc"}


@pytest.fixture(autouse=True)
def late_2026(settings):
    """Freeze the clock in late 2026 and hash passwords fast (the demo password is hashed once per run)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def seed(*args, **options) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    """Seed 300 people."""
    return seed(people=300)


@pytest.fixture
def seeded_few(db):
    """Seed 20 people (the units, courses and accounts are the same at any size)."""
    return seed(people=20)


def table_counts() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "persons": Person.objects.count(),
        "qualifications": Qualification.objects.count(),
        "appointments": Appointment.objects.count(),
        "courses": Course.objects.count(),
        "records": TrainingRecord.objects.count(),
        "users": get_user_model().objects.count(),
    }


def test_seeding_builds_hanoi_real_districts_wards_and_departments_with_paths(seeded):
    city = OrgUnit.objects.get(code="HN")
    assert city.name == "Thành phố Hà Nội" and city.level == "thanh_pho" and city.parent is None
    districts = OrgUnit.objects.filter(level="huyen")
    assert districts.count() == 30
    assert all(re.fullmatch(r"H\d{3}", unit.code) and unit.parent_id == city.pk for unit in districts)
    assert OrgUnit.objects.filter(level="xa").count() == 526
    assert OrgUnit.objects.get(code="H001").name == "UBND Quận Ba Đình"
    assert OrgUnit.objects.get(code="X00001").name == "UBND Phường Phúc Xá"
    assert OrgUnit.objects.get(code="X00001").parent.code == "H001"
    departments = OrgUnit.objects.filter(level="thanh_pho", parent=city)
    assert departments.count() == len(demo.DEPARTMENTS) >= 20
    assert {"Sở Nội vụ", "Sở Tài chính", "Sở Giáo dục và Đào tạo", "Sở Y tế", "Văn phòng UBND Thành phố"} <= set(
        departments.values_list("name", flat=True)
    )
    by_id = {unit.pk: unit for unit in OrgUnit.objects.all()}
    for unit in by_id.values():
        expected = f"{by_id[unit.parent_id].path if unit.parent_id else ''}{unit.pk}/"
        assert unit.path == expected
    assert OrgUnit.objects.subtree(OrgUnit.objects.get(code="H001")).count() == 1 + 13


def test_persons_are_spread_over_the_units_in_categories_that_fit_the_unit_level(seeded):
    persons = list(Person.objects.select_related("unit"))
    assert len(persons) == 300
    assert {p.unit.level for p in persons} == {"thanh_pho", "huyen", "xa"}
    for district in OrgUnit.objects.filter(level="huyen"):
        assert Person.objects.in_unit(district).exists(), district.name
    assert len({p.unit_id for p in persons if p.unit.level == "xa"}) >= 100
    assert len({p.unit_id for p in persons if p.unit.level == "thanh_pho"}) >= 15
    assert {p.category for p in persons if p.unit.level == "xa"} <= COMMUNE_CATEGORIES
    assert {p.category for p in persons if p.unit.level != "xa"} <= UPPER_CATEGORIES
    assert {"can_bo_xa", "cong_chuc_xa", "khong_chuyen_trach"} <= {p.category for p in persons}
    assert len({p.code for p in persons}) == 300
    citizen_ids = [p.citizen_id for p in persons]
    assert len(set(citizen_ids)) == 300 and all(re.fullmatch(r"\d{12}", value) for value in citizen_ids)
    assert all(len(p.full_name.split()) >= 3 and p.sort_key and p.search_text for p in persons)
    assert any(p.btv_managed for p in persons) and any(p.btv_succession for p in persons)
    assert any(p.deputy_term == "2021-2026" for p in persons)
    assert {p.leadership_level for p in persons} >= {0, 1, 2, 3}
    assert any(p.end_date for p in persons)
    assert all(p.end_date is None or p.end_date <= TODAY for p in persons)


def test_the_training_history_lies_in_the_past_and_mixes_results(seeded):
    records = TrainingRecord.objects.select_related("course")
    assert {r.result for r in records} == {"hoan_thanh", "khong_dat", "dang_hoc", "bo_hoc"}
    for record in records:
        if record.completed_on:
            assert record.course.start_date <= record.completed_on <= TODAY
        if record.result == "hoan_thanh":
            assert record.course.end_date <= TODAY
    years = {r.course.end_date.year for r in records if r.result == "hoan_thanh"}
    assert set(range(2021, 2026)) <= years
    assert Course.objects.filter(grants_kind__isnull=False).exists()
    assert {c.start_date.year for c in Course.objects.all()} == set(range(2019, 2027))
    typed = set(Course.types.through.objects.values_list("coursetype_id", flat=True))
    assert len(typed) == 14
    assert Qualification.objects.filter(obtained_on__year__gte=2021).exists()
    assert Appointment.objects.filter(appointed_on__year__gte=2021, appointed_on__year__lte=2025).exists()


def test_the_audit_trail_starts_with_the_seeded_rows(seeded):
    assert Person.history.filter(history_change_reason="seed_demo").count() == Person.objects.count()
    assert TrainingRecord.history.count() == TrainingRecord.objects.count()
    assert Course.history.model.types.count() == Course.types.through.objects.count()


def test_compliance_over_the_demo_gives_varied_believable_figures(seeded):
    reports = {year: evaluate("HN-2021-2025", year=year) for year in range(2021, 2026)}
    codes = [result.code for result in reports[2025].indicators]
    assert len(codes) == 15
    for code in codes:
        assert any(report.by_code()[code].denominator > 0 for report in reports.values()), code
    final = reports[2025].by_code()
    assert any(result.met for result in final.values())
    assert any(result.met is False for result in final.values())
    assert any(result.met is False and result.percent < result.target - 10 for result in final.values())
    # Trends improve: the annual indicators do better in 2025 than in 2021.
    for code in ("CC-3", "XA-2", "HDND-1"):
        assert reports[2025].by_code()[code].percent > reports[2021].by_code()[code].percent, code
    # Districts differ from one another: some meet a target that others miss.
    _city, children = evaluate_children("HN-2021-2025", year=2025)
    districts = [child.by_code() for child in children if child.unit.level == "huyen"]
    assert len({district["XA-2"].percent for district in districts} - {None}) >= 5
    assert {district["CC-3"].met for district in districts} >= {True, False}


def test_rerunning_with_if_empty_adds_nothing(seeded_few):
    before = table_counts()
    output = seed("--if-empty")
    assert table_counts() == before
    assert "không tạo" in output


def test_seeding_a_database_that_has_persons_without_a_flag_is_refused(seeded_few):
    with pytest.raises(CommandError, match="--flush"):
        seed(people=10)


def test_the_same_seed_gives_the_same_data_after_a_flush(db):
    seed(people=80, seed=7)

    def snapshot():
        return sorted(Person.objects.values_list("code", "full_name", "citizen_id", "unit__code", "category"))

    first, counts = snapshot(), table_counts()
    seed("--flush", people=80, seed=7)
    assert snapshot() == first
    assert table_counts() == counts
    seed("--flush", people=80, seed=8)
    assert snapshot() != first


def test_flush_is_refused_in_production(seeded_few, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        seed("--flush")
    assert Person.objects.count() == 20


def test_flush_is_refused_while_another_account_belongs_to_a_demo_unit(seeded_few):
    get_user_model().objects.create_user("hr.hoankiem", unit=OrgUnit.objects.get(code="H002"))
    with pytest.raises(CommandError, match=re.escape("hr.hoankiem")):
        seed("--flush", people=20)
    assert Person.objects.count() == 20


def test_demo_users_can_log_in_with_the_demo_password(seeded_few, client):
    users = {user.username: user for user in get_user_model().objects.select_related("unit")}
    expected = {
        "admin": ("admin", "HN"),
        "hr.badinh": ("hr", "H001"),
        "hr.donganh": ("hr", "H017"),
        "leader.caugiay": ("leader", "H005"),
        "leader": ("leader", "HN"),
        "viewer": ("viewer", "HN"),
    }
    for username, (role, unit_code) in expected.items():
        user = users[username]
        assert (role_of(user), user.unit.code) == (role, unit_code)
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        client.logout()
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not users["leader"].is_staff


def test_print_logins_prints_a_table_of_the_demo_accounts(seeded_few):
    output = seed("--print-logins")
    for account in demo.DEMO_ACCOUNTS:
        assert re.search(rf"\| {re.escape(account.username)} +\|", output)
    assert "UBND Quận Ba Đình" in output and demo.DEMO_PASSWORD in output
    user = get_user_model().objects.get(username="viewer")
    user.set_password("mat-khau-rieng-2026")
    user.save()
    changed = seed("--print-logins")
    assert re.search(r"\| viewer .*\(đã đổi\)", changed)


def test_the_help_says_the_accounts_are_demo_accounts_to_delete_in_production(db):
    command = load_command_class("personnel", "seed_demo")
    text = command.create_parser("manage.py", "seed_demo").format_help()
    assert "tài khoản mẫu" in text and "--print-logins" in text and "hr.badinh" in text


def test_seeding_issues_no_query_per_person(db):
    """The count grows only by the insert batches SQLite's 999-parameter limit imposes; PostgreSQL has none."""
    with CaptureQueriesContext(connection) as small:
        demo.seed_demo(people=100)
    demo.flush_demo()
    with CaptureQueriesContext(connection) as large:
        demo.seed_demo(people=300)
    assert Person.objects.count() == 300
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    else:
        assert len(large) - len(small) < 200 / 4
