"""`manage.py seed_demo`: Hanoi's real units, synthetic people, believable compliance figures, demo accounts."""

import datetime
import io
import itertools
import re
from collections import defaultdict

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import role_of
from personnel.history import Stretch, check_stretches
from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification, UnitSuccession
from synthetic import demo
from targets.compliance import evaluate, evaluate_children
from training.models import Course, TrainingRecord

TODAY = datetime.date(2026, 11, 26)
REFORM = datetime.date(2025, 7, 1)
BEFORE_REFORM = datetime.date(2025, 6, 30)
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
        "assignments": Assignment.objects.count(),
        "successions": UnitSuccession.objects.count(),
        "qualifications": Qualification.objects.count(),
        "appointments": Appointment.objects.count(),
        "courses": Course.objects.count(),
        "records": TrainingRecord.objects.count(),
        "users": get_user_model().objects.count(),
    }


def test_the_tree_until_30_june_2025_has_hanoi_real_districts_wards_and_departments(seeded):
    city = OrgUnit.objects.get(code="HN")
    assert city.name == "Thành phố Hà Nội"
    assert city.level == "thanh_pho"
    assert city.parent is None
    then = OrgUnit.objects.open_at(BEFORE_REFORM)
    districts = then.filter(level="huyen")
    assert districts.count() == 30
    assert all(re.fullmatch(r"H\d{3}", unit.code) and unit.parent_id == city.pk for unit in districts)
    assert then.filter(level="xa").count() == 526
    assert all(re.fullmatch(r"X\d{5}", code) for code in then.filter(level="xa").values_list("code", flat=True))
    assert OrgUnit.objects.get(code="H001").name == "UBND Quận Ba Đình"
    assert OrgUnit.objects.get(code="X00001").name == "UBND Phường Phúc Xá"
    assert OrgUnit.objects.get(code="X00001").parent.code == "H001"
    assert OrgUnit.objects.subtree(OrgUnit.objects.get(code="H001")).count() == 1 + 13
    # The departments until the merger of 1 March 2025.
    departments = OrgUnit.objects.open_at(datetime.date(2025, 2, 28)).filter(level="thanh_pho", parent=city)
    assert departments.count() == len(demo.DEPARTMENTS) >= 20
    assert {"Sở Kế hoạch và Đầu tư", "Sở Thông tin và Truyền thông", "Sở Giao thông vận tải", "Sở Y tế"} <= set(
        departments.values_list("name", flat=True)
    )
    assert then.filter(level="thanh_pho", parent=city).count() == len(demo.DEPARTMENTS) - 5


def test_today_s_tree_has_the_city_the_merged_departments_and_126_commune_level_units(seeded):
    city = OrgUnit.objects.get(code="HN")
    now = OrgUnit.objects.open_today()
    assert not now.filter(level="huyen").exists()
    communes = now.filter(level="xa")
    assert communes.count() == 126
    assert {unit.parent_id for unit in communes} == {city.pk}
    names = list(communes.values_list("name", flat=True))
    assert sum(name.startswith("UBND Phường") for name in names) == 51
    assert sum(name.startswith("UBND Xã") for name in names) == 75
    assert all(unit.opened_on == REFORM for unit in communes)
    assert OrgUnit.objects.get(code=demo.HONG_HA).name == "UBND Phường Hồng Hà"
    departments = now.filter(level="thanh_pho", parent=city)
    assert departments.count() == len(demo.DEPARTMENTS) - 5
    merged = {
        "Sở Kế hoạch và Đầu tư", "Sở Thông tin và Truyền thông", "Sở Giao thông vận tải",
        "Sở Lao động - Thương binh và Xã hội", "Sở Tài nguyên và Môi trường", "Sở Nông nghiệp và Phát triển nông thôn",
    }  # fmt: skip
    assert not merged & set(departments.values_list("name", flat=True))
    assert {"Sở Tài chính", "Sở Nội vụ", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng"} <= set(
        departments.values_list("name", flat=True)
    )
    assert OrgUnit.objects.get(code="SKHDT").closed_on == datetime.date(2025, 3, 1)
    assert OrgUnit.objects.get(code="SKHDT").primary_successor.code == "STC-2025"
    by_id = {unit.pk: unit for unit in OrgUnit.objects.all()}
    for unit in by_id.values():
        expected = f"{by_id[unit.parent_id].path if unit.parent_id else ''}{unit.pk}/"
        assert unit.path == expected


def test_every_closed_unit_has_exactly_one_primary_successor_open_on_its_closing_date(seeded):
    links = defaultdict(list)
    for link in UnitSuccession.objects.select_related("successor"):
        links[link.predecessor_id].append(link)
    closed = list(OrgUnit.objects.filter(closed_on__isnull=False))
    assert len(closed) == 30 + 526 + 10
    assert set(links) == {unit.pk for unit in closed}
    for unit in closed:
        assert sum(link.is_primary for link in links[unit.pk]) == 1, unit
        assert all(link.successor.is_open_at(unit.closed_on) for link in links[unit.pk]), unit
    # A divided old ward names every new ward that took part of it, the package's default one primary.
    dien_bien = sorted(links[OrgUnit.objects.get(code="X00019").pk], key=lambda link: link.order)
    assert [link.successor.name for link in dien_bien][1:] == [
        "UBND Phường Hoàn Kiếm",
        "UBND Phường Ô Chợ Dừa",
        "UBND Phường Văn Miếu - Quốc Tử Giám",
    ]
    assert dien_bien[0].successor.name == "UBND Phường Ba Đình"
    assert dien_bien[0].is_primary
    assert [link.successor.name for link in links[OrgUnit.objects.get(code="X00001").pk]] == ["UBND Phường Hồng Hà"]
    ba_dinh = OrgUnit.objects.get(code="H001")
    assert ba_dinh.primary_successor.name == "UBND Phường Ngọc Hà"
    assert len(links[ba_dinh.pk]) >= 5


def test_every_history_is_valid_and_the_person_row_shows_its_latest_assignment(seeded):
    units = {unit.pk: unit for unit in OrgUnit.objects.all()}
    by_person = defaultdict(list)
    for assignment in Assignment.objects.in_order():
        by_person[assignment.person_id].append(assignment)
    persons = list(Person.objects.all())
    assert {person.pk for person in persons} == set(by_person)
    for person in persons:
        assignments = by_person[person.pk]
        stretches = [
            Stretch(unit=units[a.unit_id], category=a.category, start_date=a.start_date, end_date=a.end_date)
            for a in assignments
        ]
        assert check_stretches(stretches) == [], person
        assert all(b.start_date == a.end_date for a, b in itertools.pairwise(assignments)), person
        latest = assignments[-1]
        assert (person.unit_id, person.category, person.start_date, person.end_date) == (
            latest.unit_id,
            latest.category,
            assignments[0].start_date,
            latest.end_date,
        )


def test_people_moved_through_the_reorganisations_and_a_third_transferred_earlier(seeded):
    successors = defaultdict(set)
    for predecessor, successor in UnitSuccession.objects.values_list("predecessor_id", "successor_id"):
        successors[predecessor].add(successor)
    units = {unit.pk: unit for unit in OrgUnit.objects.all()}
    by_person = defaultdict(list)
    for assignment in Assignment.objects.in_order():
        by_person[assignment.person_id].append(assignment)
    moved = transferred = 0
    for person in Person.objects.all():
        assignments = by_person[person.pk]
        earlier = False
        for before, after in itertools.pairwise(assignments):
            closing = units[before.unit_id].closed_on
            if before.end_date == closing:  # the reorganisation: to a successor, same post
                assert after.unit_id in successors[before.unit_id]
                assert (after.category, after.leadership_level) == (before.category, before.leadership_level)
                moved += before.end_date == REFORM
            else:  # a transfer, before the reorganisations
                assert before.end_date < datetime.date(2025, 3, 1)
                earlier = True
        transferred += earlier
        for assignment in assignments:  # nobody is left in a closed unit
            unit = units[assignment.unit_id]
            if unit.closed_on and assignment.covers(unit.closed_on - datetime.timedelta(days=1)):
                assert assignment.end_date == unit.closed_on
        if person.category == "khong_chuyen_trach":
            assert person.end_date is not None
            assert person.end_date <= datetime.date(2025, 8, 1)
    assert 0.25 <= transferred / Person.objects.count() <= 0.42
    communes_before = Assignment.objects.covering(BEFORE_REFORM).filter(unit__level__in=["xa", "huyen"])
    assert moved == communes_before.filter(person__assignments__start_date=REFORM).count() > 100
    assert not communes_before.exclude(end_date__lte=REFORM).exists()
    assert Person.objects.filter(category="khong_chuyen_trach", end_date=datetime.date(2025, 8, 1)).exists()
    assert Assignment.objects.filter(start_date=datetime.date(2025, 3, 1), unit__code="SNV-2025").exists()


def test_the_city_s_figures_for_2024_are_the_same_in_both_views(seeded):
    then = evaluate("HN-2021-2025", year=2024, view="then").by_code()
    today = evaluate("HN-2021-2025", year=2024, view="today").by_code()
    assert then.keys() == today.keys()
    for code, result in then.items():
        assert (result.numerator, result.denominator) == (today[code].numerator, today[code].denominator), code
    assert then["CC-3"].denominator > 0
    assert then["XA-2"].denominator > 0


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
    _city, children = evaluate_children("HN-2021-2025", year=2024, view="then")
    districts = [child.by_code() for child in children if child.unit.level == "huyen"]
    assert len(districts) == 30
    assert len({district["XA-2"].percent for district in districts} - {None}) >= 5
    assert {district["CC-3"].met for district in districts} >= {True, False}
    # Today's communes and wards differ too, over the figures restated on them.
    _city, children = evaluate_children("HN-2021-2025", year=2025, view="today")
    communes = [child.by_code() for child in children if child.unit.level == "xa"]
    assert len({commune["XA-2"].percent for commune in communes} - {None}) >= 5


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
        persons = Person.objects.values_list("code", "full_name", "citizen_id", "unit__code", "category")
        assignments = Assignment.objects.values_list("person__code", "unit__code", "start_date", "end_date")
        return sorted(persons), sorted(assignments, key=str)

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
        "hr": ("hr", "HN"),
        "leader": ("leader", "HN"),
        "viewer": ("viewer", "HN"),
        "hr.hongha": ("hr", "X00097-2025"),
        "leader.hongha": ("leader", "X00097-2025"),
        "leader.badinh": ("leader", "H001"),
    }
    assert set(users) == set(expected)
    for username, (role, unit_code) in expected.items():
        user = users[username]
        assert (role_of(user), user.unit.code) == (role, unit_code)
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        client.logout()
    assert users["admin"].is_superuser
    assert users["admin"].is_staff
    assert not users["leader"].is_staff
    assert users["hr.hongha"].unit.is_open_at(TODAY)
    assert users["hr.hongha"].unit.level == "xa"


def test_the_former_district_leader_sees_its_figures_up_to_30_june_2025(seeded, client):
    leader = get_user_model().objects.get(username="leader.badinh")
    assert leader.unit.closed_on == REFORM
    assert client.login(username="leader.badinh", password=demo.DEMO_PASSWORD)
    report = evaluate("HN-2021-2025", leader.unit, year=2025)
    assert (report.view, report.as_of) == ("then", BEFORE_REFORM)
    assert report.by_code()["CC-3"].denominator > 0
    people = Assignment.objects.covering(BEFORE_REFORM).filter(unit__path__startswith=leader.unit.path)
    assert people.count() >= report.by_code()["CC-3"].denominator
    assert not Assignment.objects.covering(REFORM).filter(unit__path__startswith=leader.unit.path).exists()


def test_print_logins_prints_a_table_of_the_demo_accounts(seeded_few):
    output = seed("--print-logins")
    for account in demo.DEMO_ACCOUNTS:
        assert re.search(rf"\| {re.escape(account.username)} +\|", output)
    assert "UBND Quận Ba Đình" in output
    assert demo.DEMO_PASSWORD in output
    user = get_user_model().objects.get(username="viewer")
    user.set_password("mat-khau-rieng-2026")
    user.save()
    changed = seed("--print-logins")
    assert re.search(r"\| viewer .*\(đã đổi\)", changed)


def test_the_help_says_the_accounts_are_demo_accounts_to_delete_in_production(db):
    command = load_command_class("synthetic", "seed_demo")
    text = command.create_parser("manage.py", "seed_demo").format_help()
    assert "tài khoản mẫu" in text
    assert "--print-logins" in text
    assert "leader.badinh" in text


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
