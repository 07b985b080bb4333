"""Time the personnel import (data-exchange, section 2) of a 50,000-row file, as CSV and as XLSX.

Each file holds new persons (codes the seeded data does not use) filed under seeded units, written the
way units write them: labels and codes mixed, dates as dd/mm/yyyy text in the CSV and as date cells in
the XLSX. ``exchange.services.run_import`` writes every row (all or nothing). The rows are deleted again
afterwards, so both imports, and any later run on a kept database, see the seeded size.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import time
from dataclasses import dataclass

HEADERS = [
    "Mã cán bộ",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Mã đơn vị",
    "Đối tượng",
    "Chức vụ",
    "Cấp chức vụ",
    "Diện BTV Thành ủy quản lý",
    "Quy hoạch diện BTV",
    "Nhiệm kỳ HĐND",
    "Trình độ chuyên môn",
    "Chuyên môn phù hợp VTVL",
    "Lý luận chính trị",
    "Quản lý nhà nước",
    "Ngoại ngữ",
    "Ngày bắt đầu công tác",
    "Ngày thôi việc",
]
CATEGORY_BY_LEVEL = {
    "thanh_pho": ["cong_chuc", "Công chức", "vien_chuc", "Viên chức"],
    "huyen": ["cong_chuc", "vien_chuc", "Viên chức", "can_bo"],
    "xa": ["can_bo_xa", "Công chức cấp xã", "cong_chuc_xa", "khong_chuyen_trach", "vien_chuc"],
}
EDUCATION = ["4", "Đại học", "Thạc sĩ", "3", "Trung cấp", ""]
POLITICAL = ["0", "Sơ cấp", "Trung cấp", "Cao cấp", ""]
LANGUAGE = ["B1", "A2", "3", "Bậc 2", ""]


@dataclass
class ImportTiming:
    fmt: str
    rows: int
    bytes: int = 0
    seconds: float | None = None
    new: int = 0
    available: bool = True
    detail: str = ""

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.seconds else None

    def as_json(self) -> dict:
        return {
            "rows": self.rows,
            "bytes": self.bytes,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "rows_per_s": None if self.rows_per_s is None else round(self.rows_per_s, 1),
            "new": self.new,
            "available": self.available,
            "detail": self.detail,
        }


def rows(count: int, prefix: str, *, seed: int = 11, as_dates: bool = False) -> list[list]:
    """Return ``count`` personnel rows of new persons, codes ``<prefix>0000001``…, under seeded units open today."""
    from bench.seed import DEFAULT_SEED, name_pool
    from personnel.models import OrgUnit

    rng = random.Random(seed)
    units = list(OrgUnit.objects.open_today().order_by("pk").values_list("code", "level"))
    names = [entry[0] for pool in name_pool(DEFAULT_SEED).values() for entry in pool]
    out = []
    for number in range(1, count + 1):
        unit_code, level = units[int(rng.random() * len(units))]
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=int(rng.random() * 13000))
        start = birth + datetime.timedelta(days=int((22 + rng.random() * 8) * 365))
        lead = rng.choice([0, 0, 0, 0, 0, 1, 2])

        def date(value: datetime.date):
            return value if as_dates else value.strftime("%d/%m/%Y")

        out.append(
            [
                f"{prefix}{number:07d}",
                rng.choice(names),
                date(birth),
                rng.choice(["Nam", "Nữ"]),
                f"099{number:09d}" if rng.random() < 0.4 else "",
                unit_code,
                rng.choice(CATEGORY_BY_LEVEL.get(level, CATEGORY_BY_LEVEL["huyen"])),
                "Chuyên viên" if not lead else "Phó Trưởng phòng",
                lead,
                "Không",
                "",
                "2021-2026" if rng.random() < 0.03 else "",
                rng.choice(EDUCATION),
                rng.choice(["Có", "x", "Không", ""]),
                rng.choice(POLITICAL),
                rng.choice(["0", "1", "Chuyên viên", ""]),
                rng.choice(LANGUAGE),
                date(start) if start < datetime.date(2025, 1, 1) else "",
                "",
            ]
        )
    return out


def csv_file(data: list[list]) -> bytes:
    """Return the rows as a UTF-8 CSV with BOM, comma-separated, headers in row 1."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(data)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_file(data: list[list]) -> bytes:
    """Return the rows as an XLSX workbook (one sheet, written in streaming mode)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhân sự")
    sheet.append(HEADERS)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _delete_imported(prefix: str) -> None:
    """Delete the imported persons, the assignments the import gave them, and their history rows (raw SQL)."""
    from django.db import connection

    from personnel.models import Assignment, Person

    history = Person.history.model._meta.db_table
    persons = f'SELECT id FROM "{Person._meta.db_table}" WHERE code LIKE %s'  # noqa: S608 (table names from the models' _meta; the prefix is bound)
    with connection.cursor() as cursor:
        for table in (Assignment.history.model._meta.db_table, Assignment._meta.db_table):
            cursor.execute(f'DELETE FROM "{table}" WHERE person_id IN ({persons})', [prefix + "%"])  # noqa: S608 (table names from the models' _meta; the prefix is bound)
        cursor.execute(f'DELETE FROM "{history}" WHERE code LIKE %s', [prefix + "%"])  # noqa: S608 (table names from the models' _meta; the prefix is bound)
        cursor.execute(f'DELETE FROM "{Person._meta.db_table}" WHERE code LIKE %s', [prefix + "%"])  # noqa: S608 (table names from the models' _meta; the prefix is bound)


def time_import(fmt: str, count: int, say) -> ImportTiming:
    """Generate a personnel file of ``count`` rows in ``fmt`` (csv or xlsx), import it, and time the import."""
    timing = ImportTiming(fmt, count)
    try:
        from exchange.services import run_import
    except ImportError as error:
        timing.available, timing.detail = False, f"not available: {error}"
        return timing
    prefix = "BIC" if fmt == "csv" else "BIX"
    data = rows(count, prefix, as_dates=fmt == "xlsx")
    content = csv_file(data) if fmt == "csv" else xlsx_file(data)
    timing.bytes = len(content)
    say(f"import: {fmt.upper()}, {count:,} rows, {len(content) / 1e6:.1f} MB")
    started = time.perf_counter()
    try:
        outcome = run_import(kind="nhan_su", file_name=f"bench-nhan-su.{fmt}", content=content, dry_run=False)
    except Exception as error:  # an import under construction: report, do not stop the benchmark
        timing.available, timing.detail = False, f"failed: {type(error).__name__}: {error}"[:300]
        return timing
    finally:
        elapsed = time.perf_counter() - started
    timing.seconds = elapsed
    errors = getattr(outcome, "errors", [])
    timing.new = getattr(outcome, "new", 0)
    if errors:
        timing.detail = f"{len(errors)} errors, e.g. " + "; ".join(str(e) for e in errors[:3])
        timing.detail = timing.detail[:400]
    elif timing.new != count:
        timing.detail = f"{timing.new} new rows of {count}"
    _delete_imported(prefix)
    say(f"  {fmt.upper()}: {elapsed:.1f} s, {count / elapsed:,.0f} rows/s {timing.detail}")
    return timing


def run(*, count: int, say) -> dict[str, ImportTiming]:
    """Return the import timings of the CSV and the XLSX file."""
    return {fmt: time_import(fmt, count, say) for fmt in ("csv", "xlsx")}
