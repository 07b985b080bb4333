"""Fresh and fast: stored figures are served while the data is unchanged and recomputed after any change."""

import datetime
import re
import threading
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from personnel.models import Person
from reports import freshness
from reports.models import ChangeCounter, StoredFigures
from targets import compliance
from targets.models import Indicator
from training.models import TrainingRecord

pytestmark = pytest.mark.usefixtures("figures_in_request")

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=HANOI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def seeded(transactional_db):
    """Put back the seeded course types and programme if an earlier transactional test's flush removed them.

    (Serialized rollback restores nothing once a Playwright page has run in the session.)
    """
    import_module("training.migrations.0002_seed_course_types").seed(apps, None)
    import_module("targets.migrations.0002_seed_hn_2021_2025").seed(apps, None)


@pytest.fixture
def scene(make_person, make_course, complete):
    law = make_course("phap_luat", year=2025, code="K-PL-2025")
    an = make_person(full_name="Nguyễn Văn An", unit="H01", code="CB-AN")
    binh = make_person(full_name="Trần Thị Bình", unit="H01", code="CB-BINH")
    cuong = make_person(full_name="Lê Văn Cường", unit="H02", code="CB-CUONG")
    complete(an, law)
    return {"law": law, "an": an, "binh": binh, "cuong": cuong}


@pytest.fixture
def leader_client(client, make_user):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    return client


def cc3(client) -> tuple[int, int]:
    html = client.get(reverse("reports:dashboard")).content.decode()
    row = re.search(r'data-code="CC-3">(.*?)</tr>', html, re.S).group(1)
    numerator = int(re.search(r'class="numerator">(\d+)<', row).group(1))
    denominator = int(re.search(r'class="denominator">(\d+)<', row).group(1))
    return numerator, denominator


# ---------------------------------------------------------------------------------------------
# The data version


def test_the_data_version_is_read_in_one_query(scene, django_assert_num_queries):
    with django_assert_num_queries(1):
        freshness.data_version()


def test_the_data_version_moves_on_every_kind_of_write(scene, units, make_course, qualify, appoint, programme):
    seen = [freshness.data_version()]

    def moved():
        seen.append(freshness.data_version())
        return seen[-1] != seen[-2]

    record = TrainingRecord.objects.create(person=scene["binh"], course=scene["law"], result="dang_hoc")
    assert moved()
    record.result = "hoan_thanh"
    record.save()
    assert moved()
    record.delete()
    assert moved()
    qualify(scene["binh"], "chuyen_mon", 5)
    assert moved()
    appoint(scene["binh"], "chuc_vu", datetime.date(2024, 3, 1))
    assert moved()
    scene["law"].types.add("dao_duc_cong_vu")
    assert moved()
    make_course("hdnd", year=2024)
    assert moved()
    units["H01X1"].name = "UBND phường Phúc Xá mới"
    units["H01X1"].save()
    assert moved()
    indicator = Indicator.objects.get(programme=programme, code="CC-3")
    indicator.target = 90
    indicator.save()
    assert moved()
    programme.name = "Chương trình đổi tên"
    programme.save()
    assert moved()
    assert not moved()  # reading changes nothing


def test_a_bulk_import_with_history_moves_the_data_version(scene):
    before = freshness.data_version()
    bulk_create_with_history(
        [TrainingRecord(person=scene["binh"], course=scene["law"], result="hoan_thanh")], TrainingRecord
    )
    assert freshness.data_version() != before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_that_leaves_no_history_raises_the_change_counter_once_committed(seeded, units, make_person):
    person = make_person(unit="H01")
    before = freshness.data_version()
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(field_suited=True)  # QuerySet.update keeps no history
        Person.objects.filter(pk=person.pk).update(education_level=4)
        # Nothing is committed yet (the triggers' notes, the last part, are this transaction's own).
        assert freshness.data_version().split(".")[:-1] == before.split(".")[:-1]
    after = freshness.data_version()
    assert after != before
    assert after.split(".")[1:-1] == before.split(".")[1:-1]  # no history row: the counter (and notes) moved
    assert ChangeCounter.objects.get().value == int(before.split(".")[0]) + 1  # once per transaction

    def write_then_fail():
        with transaction.atomic():
            Person.objects.filter(pk=person.pk).update(education_level=5)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        write_then_fail()
    assert freshness.data_version() == after


def test_every_table_behind_the_figures_is_watched():
    watched = freshness.watched_tables()
    for table in (
        "personnel_person",
        "personnel_historicalperson",
        "personnel_qualification",
        "personnel_appointment",
        "personnel_orgunit",
        "training_trainingrecord",
        "training_course",
        "training_course_types",
        "training_historicalcourse_types",
        "targets_indicator",
        "targets_programme",
    ):
        assert connection.ops.quote_name(table) in watched


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time: ids follow commits")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transaction_that_commits_after_a_later_one_still_changes_the_figures(
    seeded, programme, units, make_person, make_course
):
    course = make_course("phap_luat", year=2025)
    early, late = make_person(unit="H01"), make_person(unit="H01")
    written, finish = threading.Event(), threading.Event()

    def early_writer():
        try:
            with transaction.atomic():
                TrainingRecord.objects.create(person=early, course=course, result="hoan_thanh")
                written.set()
                finish.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=early_writer)
    writer.start()
    assert written.wait(10)
    TrainingRecord.objects.create(person=late, course=course, result="hoan_thanh")  # later ids, committed first
    before = freshness.data_version()
    assert freshness.load_figures(programme, units["H01"], year=2025).report.by_code()["CC-3"].numerator == 1
    finish.set()
    writer.join(10)
    after = freshness.data_version()
    assert after.split(".")[1:] == before.split(".")[1:]  # the newest history ids did not move…
    assert after != before  # …but the change counter did
    assert freshness.load_figures(programme, units["H01"], year=2025).report.by_code()["CC-3"].numerator == 2


# ---------------------------------------------------------------------------------------------
# The figures shown follow the data


def test_the_figures_change_after_a_new_training_record(leader_client, scene, complete):
    assert cc3(leader_client) == (1, 2)
    complete(scene["binh"], scene["law"])
    assert cc3(leader_client) == (2, 2)


def test_the_figures_change_after_an_edit_and_a_deletion(leader_client, scene):
    record = TrainingRecord.objects.create(person=scene["binh"], course=scene["law"], result="khong_dat")
    assert cc3(leader_client) == (1, 2)
    record.result = "hoan_thanh"
    record.save()
    assert cc3(leader_client) == (2, 2)
    record.delete()
    assert cc3(leader_client) == (1, 2)


def test_the_figures_change_after_an_import(leader_client, scene, tmp_path):
    assert cc3(leader_client) == (1, 2)
    sheet = tmp_path / "ket_qua.csv"
    sheet.write_text(
        "Mã cán bộ,Mã khóa học,Kết quả,Ngày hoàn thành,Số chứng chỉ\nCB-BINH,K-PL-2025,Hoàn thành,,CC-001\n",
        encoding="utf-8",
    )
    call_command("import_data", "ket_qua", str(sheet))
    assert cc3(leader_client) == (2, 2)


def test_the_figures_change_after_an_import_of_personnel(leader_client, scene, tmp_path):
    sheet = tmp_path / "nhan_su.csv"
    sheet.write_text(
        "Mã cán bộ,Họ và tên,Ngày sinh,Mã đơn vị,Đối tượng\nCB-MOI,Ngô Văn Mới,01/02/1990,H01X2,Công chức\n",
        encoding="utf-8",
    )
    assert cc3(leader_client) == (1, 2)
    call_command("import_data", "nhan_su", str(sheet))
    assert cc3(leader_client) == (1, 3)


def test_unchanged_data_is_served_from_the_stored_figures(leader_client, scene, clock, django_assert_num_queries):
    leader_client.get(reverse("reports:dashboard"))
    clock.shift(datetime.timedelta(minutes=7))
    # No evaluation: 9 queries in all (the role is kept with the session), 3 of them the session's once-a-minute
    # activity stamp (savepoint, update, release).
    with django_assert_num_queries(9):
        html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "Số liệu tính lúc 09:30 20/11/2025" in html
    TrainingRecord.objects.create(person=scene["binh"], course=scene["law"], result="hoan_thanh")
    html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "Số liệu tính lúc 09:37 20/11/2025" in html


def test_the_current_years_figures_are_recomputed_on_the_next_day(leader_client, scene, clock, django_user_model):
    html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "tính đến ngày 20/11/2025" in html
    clock.move_to(datetime.datetime(2025, 11, 21, 7, 45, tzinfo=HANOI))
    leader_client.force_login(django_user_model.objects.get(username="lanhdao"))  # yesterday's session has ended
    html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "tính đến ngày 21/11/2025" in html
    assert "Số liệu tính lúc 07:45 21/11/2025" in html


def test_a_past_year_keeps_its_stored_figures_across_days(programme, units, scene, clock):
    freshness.load_figures(programme, units["H01"], year=2023)
    run = StoredFigures.objects.get(year=2023, unit_id=units["H01"].pk).run
    clock.move_to(datetime.datetime(2025, 11, 22, 8, 0, tzinfo=HANOI))
    figures = freshness.load_figures(programme, units["H01"], year=2023)
    assert figures.main.run == run
    assert figures.main.current


def test_one_evaluation_serves_every_unit_of_the_city(programme, units, scene):
    freshness.load_figures(programme, units["H01"], year=2025)
    stored = StoredFigures.objects.filter(year=2025)
    assert sorted(stored.values_list("unit_code", flat=True)) == sorted(units)
    assert stored.values("run").distinct().count() == 1
    for code, unit in units.items():
        figures = freshness.load_figures(programme, unit, year=2025)
        assert figures.report == compliance.evaluate(programme, unit, year=2025), code
    assert StoredFigures.objects.filter(year=2025).values("run").distinct().count() == 1


def test_a_new_run_replaces_the_stored_figures_of_its_year(programme, units, scene, complete):
    freshness.load_figures(programme, units["H01"], year=2025)
    complete(scene["binh"], scene["law"])
    freshness.load_figures(programme, units["H01"], year=2025)
    assert StoredFigures.objects.filter(year=2025).values("run").distinct().count() == 1
    assert StoredFigures.objects.filter(year=2025).count() == len(units)


def test_a_run_replaced_after_it_was_chosen_is_read_from_the_run_that_replaced_it(programme, units, scene, complete):
    freshness.load_figures(programme, units["H01"], year=2025)
    figures = freshness.load_figures(programme, units["H01"], year=2025)  # the stored run chosen, not read yet
    complete(scene["binh"], scene["law"])
    freshness.refresh(programme, units["HN"].pk, 2025, force=True, whole=True)  # another server: a new run
    assert not StoredFigures.objects.filter(run=figures.main.run).exists()
    assert figures.report == compliance.evaluate(programme, units["H01"], year=2025)
    assert [child.unit.code for child in figures.children] == ["H01X1", "H01X2"]


def test_a_dashboard_whose_run_another_server_replaces_while_it_reads_shows_the_newer_figures(
    leader_client, programme, units, scene, complete, monkeypatch
):
    assert cc3(leader_client) == (1, 2)
    read = freshness.store._StoredRows.report

    def replaced_first(stored_rows, row_id):
        if stored_rows._reports is None:  # between choosing the runs and reading their rows
            complete(scene["binh"], scene["law"])
            freshness.refresh(programme, units["HN"].pk, 2025, force=True, whole=True)
        return read(stored_rows, row_id)

    monkeypatch.setattr(freshness.store._StoredRows, "report", replaced_first)
    cache.clear()  # the drawn figures are cached per run: this request must read the rows
    assert cc3(leader_client) == (2, 2)


def test_an_update_replaced_before_its_rows_are_read_is_read_from_the_run_that_replaced_it(
    programme, units, scene, complete
):
    root = units["HN"].pk
    freshness.refresh(programme, root, 2025, whole=True)
    complete(scene["binh"], scene["law"])
    updated = freshness.refresh(programme, root, 2025, keep=[units["H01"].pk])
    assert updated.updated
    freshness.refresh(programme, root, 2025, force=True, whole=True)
    assert updated.reports[units["H01"].pk] == compliance.evaluate(programme, units["H01"], year=2025)


def test_figures_too_slow_to_recompute_are_served_stale_then_refreshed_after_the_response(
    leader_client, scene, settings
):
    settings.REPORTS_SYNC_SECONDS = 0  # as at city scale: no recomputation fits in a request
    first = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "data-refreshing" in first  # the chosen year was computed; the trend years come after the response
    assert cc3(leader_client) == (1, 2)
    TrainingRecord.objects.create(person=scene["binh"], course=scene["law"], result="hoan_thanh")
    stale = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "đang cập nhật theo dữ liệu mới" in stale
    assert 'data-refreshing="true"' in stale
    assert re.search(r'data-code="CC-3">.*?class="numerator">1<', stale, re.S)
    fresh = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "data-refreshing" not in fresh
    assert re.search(r'data-code="CC-3">.*?class="numerator">2<', fresh, re.S)


def test_only_one_refresh_of_the_same_figures_runs_at_a_time(programme, units, scene):
    root = units["HN"].pk
    cache.add(f"reports:refresh:{programme.pk}:{root}:2025:today", "someone else", 60)
    assert freshness.refresh(programme, root, 2025) is None
    assert not StoredFigures.objects.exists()
    forced = freshness.refresh(programme, root, 2025, force=True)
    assert forced.reports[units["H01"].pk] == compliance.evaluate(programme, units["H01"], year=2025)
    assert cache.get(f"reports:refresh:{programme.pk}:{root}:2025:today") == "someone else"


def test_a_first_visit_computes_the_chosen_year_even_while_another_refresh_runs(leader_client, programme, units, scene):
    cache.add(f"reports:refresh:{programme.pk}:{units['HN'].pk}:2025:today", "someone else", 60)
    assert cc3(leader_client) == (1, 2)


def test_the_refresh_command_stores_every_year_of_the_dashboard(programme, units, scene):
    call_command("refresh_reports", stdout=open("/dev/null", "w"))  # noqa: SIM115
    years = set(StoredFigures.objects.values_list("year", flat=True))
    assert years == {2021, 2022, 2023, 2024, 2025}
    figures = freshness.load_figures(programme, units["H01"], year=2025, trend_years=range(2021, 2026))
    assert figures.current


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_made_outside_django_makes_the_figures_stale(seeded, units, make_person):
    person = make_person(unit="H01")
    before = freshness.data_version()
    # As psql would: a raw statement on a connection Django does not watch (no execute wrapper).
    with connection.execute_wrapper(lambda execute, sql, params, many, context: execute(sql, params, many, context)):
        wrappers = connection.execute_wrappers
        saved, wrappers[:] = list(wrappers), []
        try:
            with connection.cursor() as cursor:
                cursor.execute("UPDATE personnel_person SET btv_managed = %s WHERE id = %s", [True, person.pk])
        finally:
            wrappers[:] = saved
    assert freshness.data_version() != before
