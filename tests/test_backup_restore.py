"""Backups: a database backed up with backup_db and restored into a new database gives the same figures.

Runs on the database of the suite (SQLite or PostgreSQL). The restore and the figures of the restored
database run as separate ``manage.py`` processes pointed at the new database by ``DATABASE_URL``, as an
operator would run them; the data set is committed (a transactional test) so that pg_dump sees it.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from personnel.models import Person
from targets.compliance import evaluate
from training.models import TrainingRecord

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

D = datetime.date
YEAR = 2025
PG_PROGRAMS = ["pg_dump", "pg_restore"]


@pytest.fixture
def data_set(programme, make_person, make_course, complete, qualify, appoint):
    """Seed persons of several units and categories with courses, qualifications and appointments."""
    legal = make_course("phap_luat", "dao_duc_cong_vu", year=YEAR)
    skills = make_course("ky_nang_cong_vu", year=YEAR)
    commune = make_course("chuyen_mon", year=YEAR)
    leadership = make_course("lanh_dao_quan_ly", year=YEAR - 1)
    civil = [make_person(unit=unit, full_name=f"Nguyễn Văn {name}") for unit, name in [("H01", "An"), ("H02", "Bình")]]
    civil += [make_person(unit="H01X1", political_level=2, education_level=4, full_name="Trần Thị Cúc")]
    commune_staff = [
        make_person(unit="H01X2", category="can_bo_xa", birth_date=D(1990, 5, 1), full_name="Lê Văn Dũng"),
        make_person(unit="H02X1", category="cong_chuc_xa", education_level=1, full_name="Phạm Thị Én"),
    ]
    complete(civil[0], legal)
    complete(civil[1], skills, on=D(YEAR, 7, 1))
    complete(civil[2], leadership)
    complete(civil[2], legal, result="dang_hoc")
    complete(commune_staff[0], commune)
    qualify(civil[0], "ly_luan_chinh_tri", 3, D(2015, 1, 1))
    appoint(civil[2], "chuc_vu", D(YEAR, 3, 1), title="Phó trưởng phòng")
    appoint(civil[1], "ngach", D(YEAR, 9, 1))
    return programme


@pytest.fixture
def new_database(tmp_path):
    """Return the DATABASE_URL of a new, empty database of the suite's kind; drop it afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    missing = [program for program in PG_PROGRAMS if shutil.which(program) is None]
    if missing:
        message = f"{', '.join(missing)} not found: install postgresql-client to test PostgreSQL backups"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"[-63:]
    server = {"host": params["HOST"] or None, "port": params["PORT"] or None, "user": params["USER"] or None}
    server["password"] = params["PASSWORD"] or None
    maintenance = psycopg2.connect(dbname="postgres", **server)
    maintenance.autocommit = True
    try:
        with maintenance.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        credentials = quote(params["USER"] or "", safe="") + (
            ":" + quote(params["PASSWORD"], safe="") if params["PASSWORD"] else ""
        )
        yield f"postgres://{credentials}@{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}/{name}"
    finally:
        with maintenance.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.close()


def manage(database_url: str, *arguments: str) -> str:
    """Run ``manage.py`` in a new process against ``database_url``; return its output (fail with its errors)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def figures(report) -> dict:
    """Return a report's figures as the compliance command prints them (plain JSON)."""
    return json.loads(json.dumps(report.as_json(), ensure_ascii=False))


def test_a_backup_restored_into_a_new_database_gives_the_same_figures(data_set, units, tmp_path, new_database):
    city = figures(evaluate(data_set, units["HN"], year=YEAR))
    district = figures(evaluate(data_set, units["H01"], year=YEAR))
    assert any(row["numerator"] for row in city["indicators"])  # figures worth comparing
    backup = tmp_path / "hanoi.backup"

    call_command("backup_db", str(backup))

    assert backup.stat().st_size > 0
    assert not backup.with_name("hanoi.backup.part").exists()
    restored = manage(new_database, "restore_db", str(backup), "--no-input")
    assert f"{Person.objects.count()} cán bộ" in restored
    assert f"{TrainingRecord.objects.count()} kết quả đào tạo" in restored
    compliance = ["compliance", "--programme", data_set.code, "--year", str(YEAR), "--unit"]
    assert json.loads(manage(new_database, *compliance, "HN")) == city
    assert json.loads(manage(new_database, *compliance, "H01")) == district


def test_a_restore_replaces_what_the_database_holds_and_keeps_the_audit_trail(data_set, units, tmp_path):
    backup = tmp_path / "before.backup"
    call_command("backup_db", str(backup))
    history_rows = Person.history.count()
    person = Person.objects.order_by("pk").first()
    Person.objects.filter(pk=person.pk).update(position_title="Sửa sau khi sao lưu")
    TrainingRecord.objects.all().delete()

    call_command("restore_db", str(backup), interactive=False)

    assert Person.objects.get(pk=person.pk).position_title == ""
    assert TrainingRecord.objects.count() == 5
    assert Person.history.count() == history_rows


def test_a_file_that_is_not_a_backup_of_this_kind_of_database_is_refused_and_nothing_changes(data_set, tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("không phải bản sao lưu", encoding="utf-8")
    kind = "PostgreSQL (pg_dump -Fc)" if connection.vendor == "postgresql" else "SQLite"
    with pytest.raises(CommandError, match=rf"không phải bản sao lưu {kind.split()[0]}"):
        call_command("restore_db", str(not_a_backup), interactive=False)
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        call_command("restore_db", str(tmp_path / "missing.backup"), interactive=False)
    assert Person.objects.count() == 5


def test_a_failed_backup_leaves_no_file_under_the_chosen_name(data_set, tmp_path):
    target = tmp_path / "missing-folder" / "hanoi.backup"
    with pytest.raises((CommandError, OSError)):
        call_command("backup_db", str(target))
    assert not Path(target).exists()
