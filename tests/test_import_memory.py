"""Small hostile files cannot take gigabytes: each is refused clearly, in under a second, under 100 MB.

Each file is read in a child process whose address space is capped (``RLIMIT_AS``) at what it uses once
Django is loaded plus 100 MB: a reader that padded rows to a 100,000-column header, or let calamine
allocate a sheet reaching column XFD, dies there of ``MemoryError`` instead of refusing the file.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exchange.tables import TableError, read_table
from tests.test_import_limits import MAIN, declare_size, workbook

ROOT = Path(__file__).resolve().parent.parent
NHAN_SU_COLUMNS = 19 + 10  # the template's columns and the unknown ones reported

CHILD = textwrap.dedent(
    """
    import json, os, resource, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from exchange.tables import TableError, read_table

    content = open(sys.argv[1], "rb").read()
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + 100 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    started = time.perf_counter()
    try:
        read_table(sys.argv[2], content, max_columns=int(sys.argv[3]))
        result = {"refused": False}
    except TableError as error:
        result = {"refused": True, "reasons": [entry[3] for entry in error.errors]}
    except MemoryError:
        result = {"refused": False, "memory_error": True}
    result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))
    """
)


def read_capped(tmp_path, content: bytes, name: str, max_columns: int = NHAN_SU_COLUMNS) -> dict:
    """Return how a child process capped at +100 MB of memory read the file: refused (with reasons), and how fast."""
    path = tmp_path / name
    path.write_bytes(content)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name, str(max_columns)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def sheet_workbook(rows: str, *, strings: str = "") -> bytes:
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'
    parts = {"xl/worksheets/sheet1.xml": sheet}
    if strings:
        parts["xl/sharedStrings.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{strings}</sst>'
    return workbook(parts)


def header_cells(count: int) -> str:
    return '<c r="A1" t="inlineStr"><is><t>Mã cán bộ</t></is></c>' if count else ""


def test_a_csv_whose_header_is_100000_columns_wide_is_refused_quickly_in_little_memory(tmp_path):
    content = ("," * 100_000 + "Mã cán bộ\r\n" + "x\r\n" * 1_500).encode()
    assert len(content) < 210_000

    result = read_capped(tmp_path, content, "rong.csv")

    assert result["refused"] is True
    assert "quá số cột cho phép (29" in result["reasons"][0]
    assert result["seconds"] < 1


def test_an_xlsx_with_cells_at_column_xfd_in_20000_rows_is_refused_quickly_in_little_memory(tmp_path):
    rows = "".join(f'<row r="{i}"><c r="XFD{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(2, 20_002))
    content = sheet_workbook('<row r="1">' + header_cells(1) + "</row>" + rows)
    assert len(content) < 200_000

    result = read_capped(tmp_path, content, "xfd.xlsx")

    assert result["refused"] is True
    assert "cột thứ 16.384" in result["reasons"][0]
    assert result["seconds"] < 1


def test_an_xlsx_with_a_cell_on_the_last_row_of_the_sheet_is_refused(tmp_path):
    content = sheet_workbook(
        '<row r="1">' + header_cells(1) + '</row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    )

    result = read_capped(tmp_path, content, "cuoi.xlsx")

    assert result["refused"] is True
    assert "dòng dữ liệu" in result["reasons"][0]
    assert result["seconds"] < 1


def test_an_xlsx_row_of_cells_without_references_past_the_allowed_columns_is_refused(tmp_path):
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 100_000
    content = sheet_workbook(f'<row r="1">{header_cells(1)}{cells}</row>')

    result = read_capped(tmp_path, content, "khong-tham-chieu.xlsx")

    assert result["refused"] is True
    assert "quá số cột cho phép" in result["reasons"][0]


def test_an_xlsx_with_millions_of_shared_strings_and_few_cells_is_refused(tmp_path):
    strings = "<si><t>Mã cán bộ</t></si>" + "<si><t/></si>" * 3_000_000
    content = sheet_workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings=strings)
    assert len(content) < 400_000

    result = read_capped(tmp_path, content, "chuoi.xlsx")

    assert result["refused"] is True
    assert "nhiều ô hoặc chuỗi" in result["reasons"][0]
    assert result["seconds"] < 1


def test_the_memory_cap_of_the_child_process_really_stops_a_reader_that_pads_rows(tmp_path):
    # Without the column bound (a limit as wide as the hostile header), reading the wide CSV needs far
    # more than the cap: the child meets MemoryError, so the refusals above are the bounds' doing.
    content = ("," * 100_000 + "Mã cán bộ\r\n" + "x\r\n" * 1_500).encode()

    result = read_capped(tmp_path, content, "rong.csv", max_columns=200_000)

    assert result.get("memory_error") is True


def test_a_zip_member_holding_more_than_it_declares_is_a_message_for_the_user():
    lying = declare_size(workbook(), "xl/worksheets/sheet1.xml", 10)

    with pytest.raises(TableError) as raised:
        read_table("noi-doi.xlsx", lying)

    assert "Không đọc được tệp XLSX" in raised.value.errors[0][3]


def test_the_refusal_of_a_too_wide_file_is_in_english_for_an_english_user():
    from django.utils import translation

    content = ("," * 100 + "Mã cán bộ\r\n" + "x\r\n").encode()

    with translation.override("en"), pytest.raises(TableError) as raised:
        read_table("rong.csv", content, max_columns=NHAN_SU_COLUMNS)

    assert raised.value.errors[0][3].startswith("The file has a cell in column 101, past the columns allowed (29")


def test_the_sheet_check_counts_every_cell_once_across_the_blocks_it_reads(monkeypatch):
    import io
    import zipfile

    from exchange import xlsx

    monkeypatch.setattr(xlsx, "CHUNK", 997)  # blocks that cut tags in two
    monkeypatch.setattr(xlsx, "BLANK_LINES", 0)
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c><c r="B{i}"><v>2</v></c></row>' for i in range(1, 3001))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sheet.xml", f"<worksheet><sheetData>{rows}</sheetData></worksheet>")

    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert xlsx.check_sheet(archive, "sheet.xml", max_rows=None, max_columns=2, max_cells=None) == 6000
        with pytest.raises(xlsx.TooManyCells):
            xlsx.check_sheet(archive, "sheet.xml", max_rows=None, max_columns=2, max_cells=5999)
        with pytest.raises(xlsx.TooManyRows):
            xlsx.check_sheet(archive, "sheet.xml", max_rows=1, max_columns=2, max_cells=None)
