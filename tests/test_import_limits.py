"""Safety limits, each tried with a real malicious or malformed file: nothing is ever written.

Oversized files, too many rows, zip bombs (refused before any part is opened), XML entity declarations
("billion laughs"), files not in UTF-8, unknown columns; the start-up check of defusedxml; and the fast
XLSX reader, held equal to openpyxl's reading.
"""

import datetime
import io
import struct
import zipfile

import openpyxl
import pytest
from django.core.checks import run_checks
from django.urls import reverse

from exchange import checks, xlsx
from exchange.models import ImportBatch, ImportStatus
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows, xlsx_bytes
from personnel.models import Person


@pytest.fixture(autouse=True)
def jobs_run_inline(settings):
    settings.IMPORT_JOBS_INLINE = True


def person(code: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Hồ Thị Xuân",
        "Ngày sinh": "02/02/1992",
        "Mã đơn vị": "H01",
        "Đối tượng": "vien_chuc",
        **cells,
    }


def people(count: int) -> list[list]:
    return template_rows("nhan_su", [person(f"L{i}") for i in range(count)])


def load(content: bytes, name: str):
    return run_import(kind="nhan_su", file_name=name, content=content, dry_run=False)


def refused_with(outcome, words: str) -> bool:
    """Return whether the file was refused as a whole, for the given reason, and nothing was written."""
    return (
        [(error.line, error.column) for error in outcome.errors] == [(None, "")]
        and words in outcome.errors[0].reason
        and outcome.batch.status == ImportStatus.REJECTED
        and not Person.objects.exists()
        and not Person.history.exists()
    )


# ---------------------------------------------------------------------------------------------
# File size


def test_a_file_over_the_size_limit_is_refused_unread(units, settings):
    settings.IMPORT_MAX_FILE_SIZE = 2_000
    content = csv_bytes(people(40))
    assert len(content) > 2_000

    assert refused_with(load(content, "nhan_su.csv"), "Tệp quá lớn")
    assert load(csv_bytes(people(3)), "nhan_su.csv").ok


def test_an_oversized_upload_stops_being_read_and_is_recorded_as_refused(client, make_user, settings):
    settings.IMPORT_MAX_FILE_SIZE = 2_000
    client.force_login(make_user("quantri", role="admin", unit="HN"))
    big = io.BytesIO(csv_bytes(people(40)))
    big.name = "qua_lon.csv"

    response = client.post(reverse("exchange:upload", args=["nhan_su"]), {"file": big}, follow=True)

    batch = ImportBatch.objects.get()
    assert (batch.status, batch.file_name, bytes(batch.content)) == (ImportStatus.REJECTED, "qua_lon.csv", b"")
    assert "Tệp quá lớn" in response.content.decode()
    assert not Person.objects.exists()


# ---------------------------------------------------------------------------------------------
# Row count


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_more_rows_than_allowed_is_refused(units, settings, fmt):
    settings.IMPORT_MAX_ROWS = 3
    to_bytes = csv_bytes if fmt == "csv" else xlsx_bytes

    assert refused_with(load(to_bytes(people(4)), f"nhan_su.{fmt}"), "Tệp có hơn 3 dòng dữ liệu")
    assert load(to_bytes(people(3)), f"nhan_su.{fmt}").ok


# ---------------------------------------------------------------------------------------------
# Zip bombs


def declare_size(content: bytes, member: str, size: int) -> bytes:
    """Return an archive whose central directory declares ``size`` uncompressed bytes for ``member``."""
    data = bytearray(content)
    name = member.encode()
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<I", data, position + 24, size)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise KeyError(member)


def test_a_zip_bomb_declaring_a_huge_size_is_refused_before_any_part_is_opened(units, monkeypatch):
    bomb = declare_size(xlsx_bytes(people(2)), "xl/worksheets/sheet1.xml", 4_000_000_000)
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 3_900_000_000

    def never(*args, **kwargs):
        raise AssertionError("a part of the bomb was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)

    outcome = load(bomb, "bom.xlsx")

    assert refused_with(outcome, "khai báo")
    assert "bom nén" in outcome.errors[0].reason


def test_a_highly_compressed_sheet_over_the_uncompressed_limit_is_refused(units, settings):
    settings.IMPORT_MAX_XLSX_UNCOMPRESSED = 1_000_000
    sheet = "<worksheet><sheetData>" + " " * 3_000_000 + "</sheetData></worksheet>"
    bomb = workbook({"xl/worksheets/sheet1.xml": sheet})
    assert len(bomb) < 50_000

    assert refused_with(load(bomb, "bom.xlsx"), "bom nén")


# ---------------------------------------------------------------------------------------------
# XML entity declarations

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook(parts: dict[str, str] | None = None, *, strings: list[str] = (), rows: list[str] = ()) -> bytes:
    """Return a hand-made XLSX (shared strings, as Excel writes them); ``parts`` replace any part."""
    sheet_rows = "".join(rows)
    shared = "".join(f"<si><t>{text}</t></si>" for text in strings)
    content = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<sheets><sheet name="Nhân sự" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
            '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
            '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="14"/>'
            "</cellXfs></styleSheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(strings)}">{shared}</sst>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_rows}'
            "</sheetData></worksheet>"
        ),
    }
    content.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in content.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def headed_workbook(**parts) -> bytes:
    """Return a hand-made workbook of one valid personnel row (the header and the row in shared strings)."""
    header = ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Mã đơn vị", "Đối tượng"]
    values = ["B1", "Hồ Thị Xuân", "02/02/1992", "H01", "vien_chuc"]
    strings = header + values
    letters = "ABCDE"
    first = "".join(f'<c r="{letters[i]}1" t="s"><v>{i}</v></c>' for i in range(5))
    second = "".join(f'<c r="{letters[i]}2" t="s"><v>{i + 5}</v></c>' for i in range(5))
    return workbook(parts, strings=strings, rows=[f'<row r="1">{first}</row>', f'<row r="2">{second}</row>'])


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def test_a_hand_made_workbook_is_read(units):
    assert load(headed_workbook(), "tay.xlsx").ok
    assert Person.objects.get().code == "B1"


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "_rels/.rels"],
)
def test_a_billion_laughs_workbook_is_refused_whichever_part_declares_the_entities(units, part):
    base = zipfile.ZipFile(io.BytesIO(headed_workbook()))
    text = base.read(part).decode()
    declaration_end = text.index("?>") + 2
    poisoned = text[:declaration_end] + LAUGHS + text[declaration_end:]
    if part == "xl/sharedStrings.xml":
        poisoned = poisoned.replace("<t>B1</t>", "<t>&lol9;</t>")

    outcome = load(headed_workbook(**{part: poisoned}), "laughs.xlsx")

    assert refused_with(outcome, "DOCTYPE")


def test_an_external_entity_is_refused(units):
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
        "</sheetData></worksheet>"
    )

    assert refused_with(load(workbook({"xl/worksheets/sheet1.xml": sheet}), "xxe.xlsx"), "DOCTYPE")


def test_a_billion_laughs_upload_is_refused_on_the_page(client, make_user, units):
    client.force_login(make_user("quantri", role="admin", unit="HN"))
    text = zipfile.ZipFile(io.BytesIO(headed_workbook())).read("xl/workbook.xml").decode()
    poisoned = headed_workbook(**{"xl/workbook.xml": text.replace("?>", "?>" + LAUGHS, 1)})
    upload = io.BytesIO(poisoned)
    upload.name = "laughs.xlsx"

    response = client.post(reverse("exchange:upload", args=["nhan_su"]), {"file": upload}, follow=True)

    assert response.context["batch"].status == ImportStatus.REJECTED
    assert "DOCTYPE" in response.content.decode()
    assert not Person.objects.exists()


# ---------------------------------------------------------------------------------------------
# Encodings, columns, other formats


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16", "latin-1"])
def test_a_csv_file_not_in_utf8_is_refused_clearly(units, encoding):
    content = csv_bytes(people(2)).decode().encode(encoding, errors="replace")

    outcome = load(content, "nhan_su.csv")

    assert refused_with(outcome, "UTF-8")


def test_a_csv_file_with_nul_bytes_is_refused(units):
    assert refused_with(load(csv_bytes(people(2)) + b"\x00\x00", "nhan_su.csv"), "NUL")


def test_an_old_binary_xls_file_is_refused(units):
    assert refused_with(load(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "cu.xls"), ".xls")


def test_unknown_columns_are_reported_by_name_and_nothing_is_written(units):
    rows = people(2)
    rows[0] = [*rows[0], "Ghi chú", "Ngay sinh nhat"]
    rows[1:] = [[*row, "x", "y"] for row in rows[1:]]

    outcome = load(csv_bytes(rows), "nhan_su.csv")

    assert [(e.line, e.column, e.reason) for e in outcome.errors] == [
        (1, "Ghi chú", "Cột không có trong mẫu «Nhân sự»."),
        (1, "Ngay sinh nhat", "Cột không có trong mẫu «Nhân sự»."),
    ]
    assert not Person.objects.exists()


# ---------------------------------------------------------------------------------------------
# The start-up check


def test_the_start_up_check_passes_with_defusedxml():
    assert [message.id for message in run_checks() if message.id.startswith("exchange.")] == []


def test_the_start_up_check_fails_without_defusedxml(monkeypatch):
    real = checks.importlib.import_module

    def without_defusedxml(name, *args):
        if name == "defusedxml":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(checks.importlib, "import_module", without_defusedxml)

    assert [error.id for error in checks.check_defused_xml()] == ["exchange.E001"]


def test_the_start_up_check_fails_when_openpyxl_would_not_use_defusedxml(monkeypatch):
    import openpyxl.xml

    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)

    assert [error.id for error in checks.check_defused_xml()] == ["exchange.E002"]


# ---------------------------------------------------------------------------------------------
# The XLSX reader (python-calamine) reads every kind of cell


def openpyxl_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã", "Tên có dấu: Đặng", "  cách  ", 'a & b < c > "d"'])
    sheet.append([1, 2.5, True, None, datetime.date(2020, 1, 2), "x", -3, 1e20, "x\ny"])
    sheet.cell(5, 3, "sau dòng trống")
    sheet.cell(6, 28, "cột AB")
    sheet.cell(7, 1, datetime.datetime(2020, 1, 2, 3, 4, 5))  # noqa: DTZ001 (a spreadsheet cell's date and time has no time zone)
    sheet.cell(7, 2, False)
    book.create_sheet("Khác").append(["không đọc"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(content: bytes) -> list[tuple[int, list]]:
    """Return the sheet's rows as the reader finds them, empty cells as None and trailing ones dropped."""
    found = []
    for line, cells in xlsx.read_first_sheet(content, max_uncompressed=10**9):
        cells = [None if cell == "" else cell for cell in cells]
        while cells and cells[-1] is None:
            cells.pop()
        found.append((line, cells))
    return found


def test_the_xlsx_reader_reads_every_kind_of_cell_with_line_numbers_and_real_dates():
    rows = read(openpyxl_workbook())

    assert rows == [
        (1, ["Mã", "Tên có dấu: Đặng", "  cách  ", 'a & b < c > "d"']),
        (2, [1, 2.5, True, None, datetime.date(2020, 1, 2), "x", -3, 1e20, "x\ny"]),
        (5, [None, None, "sau dòng trống"]),
        (6, [None] * 27 + ["cột AB"]),
        (7, [datetime.datetime(2020, 1, 2, 3, 4, 5), False]),  # noqa: DTZ001 (a spreadsheet cell's date and time has no time zone)
    ]


def test_a_sheet_starting_below_and_right_of_a1_keeps_its_lines_and_columns():
    book = openpyxl.Workbook()
    book.active.cell(3, 2, "x")
    book.active.cell(4, 4, 5)
    buffer = io.BytesIO()
    book.save(buffer)

    assert read(buffer.getvalue()) == [
        (3, [None, "x"]),
        (4, [None, None, None, 5]),
    ]


def test_shared_strings_styles_and_escapes_as_excel_writes_them_are_read():
    rows = [
        '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" s="1"><v>44927</v></c></row>',
        '<row r="3"><c r="B3" t="s"><v>2</v></c><c r="C3" s="2"><v>36526.5</v></c><c r="D3" t="b"><v>1</v></c>'
        '<c r="E3" t="str"><f>A1&amp;B1</f><v>ab</v></c><c r="G3"><v>007</v></c><c r="J3"><v>1.5E-3</v></c></row>',
    ]
    strings = ["Mã cán bộ", "Họ &amp; tên", "Ngày &#273;&#x1ea1;i"]

    found = read(workbook(strings=strings, rows=rows))

    assert found == [
        (1, ["Mã cán bộ", "Họ & tên", datetime.date(2023, 1, 1)]),
        (3, [None, "Ngày đại", datetime.datetime(2000, 1, 1, 12, 0), True, "ab", None, 7, None, None, 0.0015]),  # noqa: DTZ001 (a spreadsheet cell's date and time has no time zone)
    ]


def test_a_date_cell_of_a_template_file_becomes_a_date_in_the_import(units):
    record = person("D1", **{"Ngày sinh": datetime.date(1990, 5, 17)})

    outcome = load(xlsx_bytes(template_rows("nhan_su", [record])), "d.xlsx")

    assert outcome.ok
    assert Person.objects.get(code="D1").birth_date == datetime.date(1990, 5, 17)


def test_the_xlsx_reader_reads_a_large_sheet_cell_for_cell():
    first = datetime.date(2000, 1, 1)
    rows = [["Mã", "Ngày", "Số", "Chữ"]] + [
        [f"M{i}", first + datetime.timedelta(days=i), i * 1.5, "ả" * (i % 7 + 1)] for i in range(3000)
    ]

    found = read(xlsx_bytes(rows))

    assert found == [(line, row) for line, row in enumerate(rows, start=1)]
