"""An import costs a fixed number of queries, whatever its number of rows (lookups prefetched, writes in bulk)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from training.models import Course

START = datetime.date(2020, 1, 1)


def day(i: int) -> str:
    return (START + datetime.timedelta(days=i)).strftime("%d/%m/%Y")


def records(kind: str, keys: range) -> list[dict]:
    """Return one new row of template ``kind`` per key."""
    if kind == "don_vi":
        return [{"Mã đơn vị": f"U{i}", "Tên đơn vị": f"Xã {i}", "Mã đơn vị cấp trên": "H01", "Cấp": "xa"} for i in keys]
    if kind == "nhan_su":
        return [
            {
                "Mã cán bộ": f"N{i}",
                "Họ và tên": f"Nguyễn Văn Số {i}",
                "Ngày sinh": "01/01/1980",
                "Số CCCD": f"{i:012d}",
                "Mã đơn vị": "H01",
                "Đối tượng": "Công chức",
                "Trình độ chuyên môn": "Đại học",
                "Ngoại ngữ": "B1",
                "Diện BTV Thành ủy quản lý": "x",
            }
            for i in keys
        ]
    if kind == "van_bang":
        return [{"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "B1", "Ngày cấp": day(i)} for i in keys]
    if kind == "khoa_hoc":
        return [
            {
                "Mã khóa học": f"N{i}",
                "Tên khóa học": f"Lớp {i}",
                "Loại khóa học": "phap_luat;hdnd",
                "Từ ngày": "01/03/2024",
                "Đến ngày": "02/03/2024",
                "Cấp trình độ": "ngoai_ngu:3",
            }
            for i in keys
        ]
    if kind == "ket_qua":
        return [{"Mã cán bộ": "P1", "Mã khóa học": f"K{i}", "Kết quả": "hoan_thanh"} for i in keys]
    if kind == "bo_nhiem":
        return [
            {"Mã cán bộ": "P1", "Loại bổ nhiệm": "ngach", "Chức danh": "Chuyên viên", "Ngày bổ nhiệm": day(i)}
            for i in keys
        ]
    raise ValueError(kind)


@pytest.fixture
def ready(make_person):
    """Create the person P1 and the courses K0…K199 the rows refer to."""
    make_person(code="P1")
    Course.objects.bulk_create(Course(code=f"K{i}", title="Lớp", start_date=START, end_date=START) for i in range(200))


def load(kind: str, rows: list[dict]):
    content = csv_bytes(template_rows(kind, rows))
    outcome = run_import(kind=kind, file_name=f"{kind}.csv", content=content, dry_run=False)
    assert outcome.ok, outcome.errors
    return outcome


def statements(context: CaptureQueriesContext) -> list[str]:
    """Return the statements run, values left out, with a bulk INSERT split in batches counted once."""
    shapes = []
    for query in context.captured_queries:
        shape = re.sub(r"^(INSERT INTO \S+|UPDATE \S+)\s.*|\sWHERE\s.*", r"\1 …", query["sql"], flags=re.DOTALL)
        shape = re.sub(r"\d+", "N", shape)  # savepoint names, row counts
        if not (shapes and shape == shapes[-1] and shape.startswith("INSERT")):
            shapes.append(shape)
    return shapes


# Queries of a 10-row import: the batch (insert, the fence that locks it as writing starts, update), prefetch, one
# savepoint around the bulk writes with history. On PostgreSQL new records first take their ids (one query), then
# go in by COPY. Units read their successors too; new persons then get their one assignment (``history``: units
# and successions read for the heir units, assignments written, heirs marked computed; nothing read back).
# Qualifications, results and appointments (and persons) also read the approved years (approvals.locks: none here,
# so nothing more). Results are written through training.upsert, which first locks the stored records of the
# file's keys, then reads the courses' end dates and the approved years once more (the records_writing signal).
QUERIES_FOR_10_ROWS = {"don_vi": 11, "nhan_su": 15, "van_bang": 10, "khoa_hoc": 12, "ket_qua": 14, "bo_nhiem": 10}
TAKING_IDS = {"don_vi": 1, "nhan_su": 1, "van_bang": 1, "khoa_hoc": 0, "ket_qua": 1, "bo_nhiem": 1}


@pytest.mark.parametrize("kind", list(QUERIES_FOR_10_ROWS))
def test_importing_10_or_100_rows_runs_the_same_queries(ready, kind, django_assert_num_queries):
    expected = QUERIES_FOR_10_ROWS[kind] + (TAKING_IDS[kind] if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(expected), CaptureQueriesContext(connection) as small:
        assert load(kind, records(kind, range(10))).new == 10
    with CaptureQueriesContext(connection) as large:
        assert load(kind, records(kind, range(100, 200))).new == 100

    assert statements(large) == statements(small)
    if connection.vendor == "postgresql":
        # SQLite caps a statement at 999 parameters, so Django splits a bulk INSERT there; PostgreSQL does not.
        assert len(large) == len(small)


def test_reimporting_or_updating_100_rows_runs_the_same_queries_as_10(units, django_assert_num_queries):
    load("nhan_su", records("nhan_su", range(100)))
    changed = [dict(row, **{"Chức vụ": "Phó phòng"}) for row in records("nhan_su", range(100))]

    with CaptureQueriesContext(connection) as unchanged_10:
        assert load("nhan_su", records("nhan_su", range(10))).unchanged == 10
    with CaptureQueriesContext(connection) as unchanged_100:
        assert load("nhan_su", records("nhan_su", range(100))).unchanged == 100
    with CaptureQueriesContext(connection) as updated_10:
        assert load("nhan_su", changed[:10]).updated == 10
    with CaptureQueriesContext(connection) as updated_100:
        assert load("nhan_su", changed[10:]).updated == 90

    assert len(unchanged_10) == len(unchanged_100)
    assert statements(updated_10) == statements(updated_100)
