"""Spreadsheets the import pages hand out: the six templates (XLSX and CSV), and a refused file's failed rows.

A template's XLSX has the exact headers, an example row, a drop-down list (data validation) on every
code-list column, and a guide sheet; its CSV has the same headers. The failed rows of a refused file come
back as the unit sent them, with a reason column added, so the unit fixes them and sends them again.
"""

import csv
import datetime
import functools
import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.privacy import mask_citizen_id
from core.text import fold_key
from personnel.choices import QualificationKind
from personnel.qualifications import LADDERS
from training.models import CourseType

from .models import ImportBatch, ImportKind, ImportRow
from .resources import RESOURCES, CourseTypesWidget
from .tables import EXTRA_COLUMNS, read_table
from .widgets import ChoiceWidget, LevelWidget, YesNoWidget

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="FCE8E6")
DATE_FORMAT = "DD/MM/YYYY"
LAST_ROW = 100_001  # rows covered by the drop-down lists

# What each column holds (data-exchange.md), shown on the template's guide sheet.
GUIDE = {
    "don_vi": {
        "Mã đơn vị": "Mã đơn vị, không trùng.",
        "Tên đơn vị": "Tên đơn vị.",
        "Mã đơn vị cấp trên": "Mã đơn vị cấp trên; để trống với đơn vị gốc (Thành phố).",
        "Cấp": "Thành phố, Cấp huyện hoặc Cấp xã (hoặc mã thanh_pho, huyen, xa).",
        "Ngày thành lập": "Ngày thành lập, dd/mm/yyyy; để trống nếu có từ trước khi có dữ liệu.",
        "Ngày giải thể": "Ngày đầu tiên đơn vị không còn tồn tại, dd/mm/yyyy; để trống nếu đang hoạt động.",
        "Đơn vị kế thừa": (
            "Mã các đơn vị kế thừa, cách nhau bởi dấu ;, đơn vị kế thừa chính đứng đầu (bắt buộc khi có ngày giải thể)."
        ),
    },
    "nhan_su": {
        "Mã cán bộ": "Mã cán bộ, không trùng.",
        "Họ và tên": "Họ và tên đầy đủ.",
        "Ngày sinh": "Ngày sinh, dạng dd/mm/yyyy.",
        "Giới tính": "Nam hoặc Nữ.",
        "Số CCCD": "Số căn cước công dân: đúng 12 chữ số (để cột ở dạng văn bản để giữ số 0 ở đầu).",
        "Mã đơn vị": "Mã đơn vị công tác (đã có trong hệ thống).",
        "Đối tượng": "Đối tượng: Cán bộ, Công chức, Viên chức…",
        "Chức vụ": "Chức vụ, ghi tự do.",
        "Cấp chức vụ": "Cấp chức vụ lãnh đạo 0–4 (mặc định 0: không giữ chức vụ).",
        "Diện BTV Thành ủy quản lý": "Có/Không.",
        "Quy hoạch diện BTV": "Có/Không.",
        "Nhiệm kỳ HĐND": "Nhiệm kỳ đại biểu HĐND, ví dụ 2021-2026; để trống nếu không là đại biểu.",
        "Trình độ chuyên môn": "0–6 hoặc tên trình độ (Đại học, Thạc sĩ…).",
        "Chuyên môn phù hợp VTVL": "Có/Không: chuyên môn phù hợp vị trí việc làm.",
        "Lý luận chính trị": "0–4 hoặc tên trình độ (Sơ cấp, Trung cấp, Cao cấp, Cử nhân).",
        "Quản lý nhà nước": "0–3 hoặc tên trình độ (Chuyên viên, Chuyên viên chính, Chuyên viên cao cấp).",
        "Ngoại ngữ": "0 (Chưa có), bậc 1–6, hoặc A1…C2.",
        "Ngày bắt đầu công tác": "Ngày bắt đầu công tác, dd/mm/yyyy.",
        "Ngày thôi việc": "Ngày thôi việc (nghỉ hưu, chuyển công tác); để trống nếu đang công tác.",
    },
    "van_bang": {
        "Mã cán bộ": "Mã cán bộ (đã có trong hệ thống).",
        "Loại": "Trình độ chuyên môn, Lý luận chính trị, Quản lý nhà nước hoặc Ngoại ngữ.",
        "Trình độ": "Trình độ theo loại, như các cột trình độ của mẫu Nhân sự; không nhận 0 (Chưa có).",
        "Ngày cấp": "Ngày cấp văn bằng; để trống nếu có từ trước khi có dữ liệu.",
        "Số hiệu văn bằng": "Số hiệu văn bằng, chứng chỉ.",
    },
    "khoa_hoc": {
        "Mã khóa học": "Mã khóa học, không trùng.",
        "Tên khóa học": "Tên khóa học.",
        "Loại khóa học": "Một hoặc nhiều loại khóa học, cách nhau bằng dấu ;",
        "Hình thức": "Đào tạo hoặc Bồi dưỡng.",
        "Cơ sở đào tạo": "Cơ sở đào tạo, bồi dưỡng.",
        "Từ ngày": "Ngày bắt đầu, dd/mm/yyyy.",
        "Đến ngày": "Ngày kết thúc (không trước ngày bắt đầu).",
        "Số tiết": "Số tiết, số nguyên từ 0.",
        "Cấp trình độ": "Trình độ khóa học cấp khi hoàn thành, dạng Loại:Trình độ, ví dụ ly_luan_chinh_tri:cao_cap.",
    },
    "ket_qua": {
        "Mã cán bộ": "Mã cán bộ (đã có trong hệ thống).",
        "Mã khóa học": "Mã khóa học (đã có trong hệ thống).",
        "Kết quả": "Hoàn thành, Không đạt, Đang học hoặc Bỏ học.",
        "Ngày hoàn thành": "Ngày hoàn thành; để trống thì lấy ngày kết thúc khóa học.",
        "Số chứng chỉ": "Số chứng chỉ.",
    },
    "bo_nhiem": {
        "Mã cán bộ": "Mã cán bộ (đã có trong hệ thống).",
        "Loại bổ nhiệm": "Bổ nhiệm ngạch hoặc Bổ nhiệm chức vụ.",
        "Chức danh": "Ngạch hoặc chức vụ được bổ nhiệm.",
        "Ngày bổ nhiệm": "Ngày bổ nhiệm, dd/mm/yyyy.",
    },
    "qua_trinh_cong_tac": {
        "Mã cán bộ": (
            "Mã cán bộ (đã có trong danh sách nhân sự). Các dòng của một cán bộ thay toàn bộ quá trình công tác của "
            "người đó."
        ),
        "Mã đơn vị": "Mã đơn vị; đơn vị phải hoạt động trong suốt thời gian của dòng.",
        "Đối tượng": "Đối tượng trong thời gian này (mã hoặc tên).",
        "Cấp chức vụ": "0–4 (mặc định 0).",
        "Chức vụ": "Chức vụ, chức danh.",
        "Từ ngày": "Ngày bắt đầu, dd/mm/yyyy; để trống nếu từ trước khi có dữ liệu.",
        "Đến ngày": "Ngày đầu tiên không còn ở vị trí này (ngày chuyển đi), dd/mm/yyyy; để trống nếu đang công tác.",
    },
}


def example_row(kind: str, *, unit_code: str) -> dict[str, object]:
    """Return the example row of a template ({header: cell}), filed under ``unit_code``.

    The six examples fit together: loaded in order under an existing unit, they import without error.
    """
    course_type = CourseType.objects.order_by("order", "code").values_list("name", flat=True).first() or ""
    return {
        "don_vi": {
            "Mã đơn vị": "VD-DV01",
            "Tên đơn vị": "Phòng Nội vụ (ví dụ)",
            "Mã đơn vị cấp trên": unit_code,
            "Cấp": "Cấp xã",
            "Ngày thành lập": "",
            "Ngày giải thể": "",
            "Đơn vị kế thừa": "",
        },
        "nhan_su": {
            "Mã cán bộ": "VD0001",
            "Họ và tên": "Nguyễn Văn An",
            "Ngày sinh": datetime.date(1985, 3, 15),
            "Giới tính": "Nam",
            "Số CCCD": "",
            "Mã đơn vị": unit_code,
            "Đối tượng": "Công chức",
            "Chức vụ": "Chuyên viên",
            "Cấp chức vụ": 0,
            "Diện BTV Thành ủy quản lý": "Không",
            "Quy hoạch diện BTV": "Không",
            "Nhiệm kỳ HĐND": "",
            "Trình độ chuyên môn": "Đại học",
            "Chuyên môn phù hợp VTVL": "Có",
            "Lý luận chính trị": "Trung cấp",
            "Quản lý nhà nước": "Chuyên viên",
            "Ngoại ngữ": "B1",
            "Ngày bắt đầu công tác": datetime.date(2010, 9, 1),
            "Ngày thôi việc": "",
        },
        "van_bang": {
            "Mã cán bộ": "VD0001",
            "Loại": "Lý luận chính trị",
            "Trình độ": "Trung cấp",
            "Ngày cấp": datetime.date(2019, 6, 20),
            "Số hiệu văn bằng": "LLCT-2019-0001",
        },
        "khoa_hoc": {
            "Mã khóa học": "VD-KH-2024",
            "Tên khóa học": "Bồi dưỡng kiến thức (ví dụ)",
            "Loại khóa học": course_type,
            "Hình thức": "Bồi dưỡng",
            "Cơ sở đào tạo": "Trường Đào tạo cán bộ Lê Hồng Phong",
            "Từ ngày": datetime.date(2024, 3, 4),
            "Đến ngày": datetime.date(2024, 3, 8),
            "Số tiết": 40,
            "Cấp trình độ": "",
        },
        "ket_qua": {
            "Mã cán bộ": "VD0001",
            "Mã khóa học": "VD-KH-2024",
            "Kết quả": "Hoàn thành",
            "Ngày hoàn thành": datetime.date(2024, 3, 8),
            "Số chứng chỉ": "CC-2024-0001",
        },
        "bo_nhiem": {
            "Mã cán bộ": "VD0001",
            "Loại bổ nhiệm": "Bổ nhiệm ngạch",
            "Chức danh": "Chuyên viên",
            "Ngày bổ nhiệm": datetime.date(2012, 1, 1),
        },
        "qua_trinh_cong_tac": {
            "Mã cán bộ": "VD0001",
            "Mã đơn vị": unit_code,
            "Đối tượng": "Công chức",
            "Cấp chức vụ": 0,
            "Chức vụ": "Chuyên viên",
            "Từ ngày": datetime.date(2010, 9, 1),
            "Đến ngày": "",
        },
    }[kind]


def code_list(kind: str, name: str) -> tuple[list[str], bool] | None:
    """Return the values offered in a column's drop-down list, and whether only they are accepted.

    Labels are offered (the import accepts labels and codes alike); a column taking several values
    (course types, separated by ";") offers its list without refusing other text.
    """
    widget = RESOURCES[kind].fields[name].widget
    with translation.override("vi"):
        if isinstance(widget, CourseTypesWidget):
            return list(CourseType.objects.order_by("order", "code").values_list("name", flat=True)), False
        if isinstance(widget, YesNoWidget):
            return [str(_("Có")), str(_("Không"))], True
        if isinstance(widget, LevelWidget) and widget.kind:
            labels = [str(label) for label in LADDERS[widget.kind].values()]
            if widget.kind == QualificationKind.FOREIGN_LANGUAGE:
                labels += ["A1", "A2", "B1", "B2", "C1", "C2"]
            return labels, True
        if isinstance(widget, ChoiceWidget):
            return [str(label) for _code, label in widget.codes._pairs()], True
    return None


def template_workbook(kind: str, *, unit_code: str) -> bytes:
    """Return the XLSX template of a kind: headers, an example row, drop-down lists and a guide sheet."""
    resource = RESOURCES[kind]
    columns = resource.column_names()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(ImportKind(kind).label)[:31]
    lists = workbook.create_sheet(str(_("Danh mục")))
    guide = workbook.create_sheet(str(_("Hướng dẫn")))
    example = example_row(kind, unit_code=unit_code)
    required = {columns[name] for name in resource.required}
    list_column = 0
    for position, (name, header) in enumerate(columns.items(), start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(1, position, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        value = example.get(header, "")
        cell = sheet.cell(2, position, value)
        cell.font = Font(italic=True, color="5B6675")
        if isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        elif header == "Số CCCD":
            cell.number_format = "@"  # text: a citizen ID keeps its leading zeros
        sheet.column_dimensions[letter].width = max(14, min(40, len(header) + 4))
        offered = code_list(kind, name)
        if offered:
            values, strict = offered
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(1, list_column, header).font = Font(bold=True)
            for row, text in enumerate(values, start=2):
                lists.cell(row, list_column, text)
            source = f"{quote_sheetname(lists.title)}!${list_letter}$2:${list_letter}${len(values) + 1}"
            validation = DataValidation(type="list", formula1=source, allow_blank=True)
            validation.errorStyle = "warning"  # a code (cong_chuc) is accepted too: warn, never block
            validation.showErrorMessage = strict
            validation.errorTitle = str(_("Giá trị không có trong danh mục"))
            validation.error = str(_("Hãy chọn trong danh sách (hoặc nhập đúng mã)."))
            validation.promptTitle = header[:32]
            validation.prompt = str(_("Chọn trong danh sách."))
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    guide.append([str(_("Cột")), str(_("Bắt buộc")), str(_("Nội dung"))])
    for cell in guide[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for header in columns.values():
        guide.append([header, str(_("Có")) if header in required else "", GUIDE[kind].get(header, "")])
    guide.append([])
    guide.append(["", "", str(_("Dòng 2 của trang đầu là dòng ví dụ: hãy xóa hoặc thay bằng dữ liệu thật."))])
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(kind: str) -> bytes:
    """Return the CSV template of a kind: the header row, UTF-8 with BOM (so Excel reads the accents)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(RESOURCES[kind].column_names().values())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text_cell(sheet, value):
    """Return a write-only cell; text stays text (a cell starting with "=" must not become a formula)."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    return cell


@functools.cache
def _citizen_id_headers() -> frozenset[str]:
    return frozenset(
        fold_key(field.column_name)
        for resource in RESOURCES.values()
        for field in resource.fields.values()
        if field.attribute == "citizen_id"
    )


def is_citizen_id_column(header) -> bool:
    """Return whether a column (as headed in a file or a report) holds citizen IDs (nhan_su's «Số CCCD»)."""
    return fold_key(str(header or "")) in _citizen_id_headers()


def failed_rows_workbook(batch: ImportBatch, *, full_citizen_id: bool) -> bytes:
    """Return every row of a refused file, as sent: the rows with errors first, each with its reasons in a
    last column, then the other rows. Fixed, the file is uploaded again as it is (the import ignores the
    reasons column, ``resources.REASON_HEADERS``).

    Citizen IDs are masked unless ``full_citizen_id`` (``accounts.privacy``: the reader's role sees them).
    """
    table = read_table(
        batch.file_name, bytes(batch.content), max_columns=len(RESOURCES[batch.kind].fields) + EXTRA_COLUMNS
    )
    masked = set() if full_citizen_id else {i for i, header in enumerate(table.headers) if is_citizen_id_column(header)}
    cells_of = dict(zip(table.lines, table.rows, strict=True))
    reason_header = str(_("Lý do lỗi"))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Dòng lỗi")))
    sheet.append([_text_cell(sheet, header) for header in [*table.headers, reason_header]])
    rows = ImportRow.objects.filter(batch=batch).exclude(errors=[]).order_by("line").values_list("line", "errors")

    def append(line, reasons):
        cells = cells_of.get(line, [""] * len(table.headers))
        if masked:
            cells = [mask_citizen_id(str(v)) if i in masked and v not in (None, "") else v for i, v in enumerate(cells)]
        sheet.append([_text_cell(sheet, value) for value in [*cells, reasons]])

    failed = set()
    for line, errors in rows.iterator(chunk_size=2000):
        failed.add(line)
        append(
            line,
            "; ".join(
                (_("Dòng %(line)s, cột «%(column)s»: %(reason)s") if column else _("Dòng %(line)s: %(reason)s"))
                % {"line": line, "column": column, "reason": reason}
                for column, _value, reason in errors
            ),
        )
    for line in table.lines:
        if line not in failed:
            append(line, "")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
