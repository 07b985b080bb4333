"""XLSX files of the planning pages: the training needs list, and planned against done."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook

from reports.exports import SheetWriter, _save

from .progress import Progress
from .selectors import Needs


def needs_workbook(needs: Needs, type_names: dict[str, str]) -> bytes:
    """Return the needs list: per course type, per target (with its gap), and every person with the reason."""
    workbook = Workbook(write_only=True)
    heading = [
        _("NHU CẦU ĐÀO TẠO, BỒI DƯỠNG"),
        f"{needs.unit.name} · {_('Năm')} {needs.year} · {needs.programme.code}",
    ]
    targets = SheetWriter(
        workbook, _("Theo chỉ tiêu"), heading,
        [_("Mã chỉ tiêu"), _("Tên chỉ tiêu"), _("Chưa đạt"), _("Cần đào tạo thêm để đạt chỉ tiêu")], [12, 70, 12, 18],
    )  # fmt: skip
    for row in needs.indicators:
        targets.row([row.indicator.code, row.indicator.name, row.unmet, row.gap])
    types = SheetWriter(
        workbook, _("Theo loại khóa học"), heading, [_("Loại khóa học"), _("Số người cần"), _("Chỉ tiêu")], [60, 14, 30]
    )
    for row in needs.course_types:
        types.row([row.course_type.name, row.persons, ", ".join(row.indicators)])
    persons = SheetWriter(
        workbook, _("Danh sách"), heading,
        [_("STT"), _("Mã cán bộ"), _("Họ và tên"), _("Đơn vị"), _("Loại khóa học cần"), _("Lý do")],
        [6, 14, 28, 34, 50, 80],
    )  # fmt: skip
    for number, need in enumerate(needs.persons, start=1):
        persons.row(
            [
                number,
                need.person.code,
                need.person.full_name,
                need.person.unit.name,
                "; ".join(type_names.get(code, code) for code in need.course_types),
                need.reason_text,
            ]
        )
    return _save(workbook)


def progress_workbook(progress: Progress) -> bytes:
    """Return planned against done: by course type, by unit (rolled up), and the targets moved."""
    workbook = Workbook(write_only=True)
    heading = [_("KẾ HOẠCH VÀ THỰC HIỆN ĐÀO TẠO"), f"{progress.unit.name} · {_('Năm')} {progress.year}"]
    types = SheetWriter(
        workbook, _("Theo loại khóa học"), heading, [_("Loại khóa học"), _("Số chỗ kế hoạch"), _("Số người đã học")],
        [60, 16, 16],
    )  # fmt: skip
    for row in progress.types:
        types.row([row.course_type.name, row.planned, row.trained])
    units = SheetWriter(
        workbook, _("Theo đơn vị"), heading,
        [_("Đơn vị"), _("Số chỗ kế hoạch"), _("Số người đã học"), _("Kinh phí dự kiến (VNĐ)"),
         _("Kinh phí thực tế (VNĐ)")],
        [40, 16, 16, 20, 20],
    )  # fmt: skip
    for row in [progress.total, *progress.children]:
        units.row([row.unit.name, row.planned, row.trained, int(row.planned_cost), int(row.actual_cost)])
    moved = SheetWriter(
        workbook, _("Chỉ tiêu"), heading,
        [_("Mã chỉ tiêu"), _("Tên chỉ tiêu"), _("Đầu năm (%)"), _("Hiện nay (%)"), _("Số người tăng thêm"),
         _("Còn thiếu")],
        [12, 70, 14, 14, 16, 12],
    )  # fmt: skip
    for row in progress.moved:
        moved.row(
            [
                row.code,
                row.name,
                None if row.start.percent is None else float(row.start.percent),
                None if row.now.percent is None else float(row.now.percent),
                row.moved,
                row.now.gap,
            ]
        )
    return _save(workbook)
