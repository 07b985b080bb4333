"""4. Courses — khoa_hoc, and 5. training records — ket_qua (data-exchange, sections 4 and 5)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from accounts.scoping import scope_unit
from core.codes import normalise_code
from personnel.choices import QualificationKind
from personnel.models import OrgUnit
from personnel.qualifications import level_label
from training.choices import CourseForm, TrainingResult
from training.models import Course, CourseType, TrainingRecord
from training.rules import (
    completion_date_errors,
    completions_outside,
    course_date_errors,
    messages_text,
    recorded_dates_errors,
)
from training.services import shared_course_message
from training.upsert import FIELDS as UPSERT_FIELDS
from training.upsert import upsert_records

from .. import cells
from ..bulk import WRITE_BATCH
from ..widgets import (
    ChoiceWidget,
    CodeWidget,
    DateWidget,
    LookupWidget,
    NameWidget,
    TextWidget,
    WholeNumberWidget,
    level_error,
)
from .base import DeferredField, GrantField, TemplateResource, code_variants, in_chunks, person_lookup

# Columns of the course template that carry what a course's records mean (training.services.COURSE_MEANING_FIELDS).
COURSE_MEANING_COLUMNS = {"start_date", "end_date", "types", "grants"}

# ---------------------------------------------------------------------------------------------
# 4. Courses — khoa_hoc


class CourseTypesWidget(TextWidget):
    """One or more course-type codes (or names) separated by ``;``; repeats are dropped."""

    def __init__(self):
        super().__init__(2000, required=True)
        self.codes = cells.CodeList([])

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        found = []
        for part in text.split(";"):
            if part.strip():
                try:
                    code = self.codes.parse(part)
                except ValueError:
                    raise ValueError(
                        _("Không có loại khóa học «%(type)s»; mã hợp lệ: %(codes)s.")
                        % {"type": part.strip(), "codes": ", ".join(self.codes.codes)}
                    ) from None
                if code not in found:
                    found.append(code)
        if not found:
            raise ValueError(_("Không được để trống."))
        return frozenset(found)


class GrantWidget(TextWidget):
    """The qualification a course grants, as ``Loại:Trình độ`` (``ly_luan_chinh_tri:cao_cap``); empty: none."""

    kinds = ChoiceWidget(QualificationKind)

    def __init__(self):
        super().__init__(100)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        if not text:
            return (None, None)
        kind_text, separator, level_text = text.partition(":")
        if not separator:
            raise ValueError(_("Cần dạng Loại:Trình độ, ví dụ ly_luan_chinh_tri:cao_cap hoặc ngoai_ngu:B1."))
        kind = self.kinds.clean(kind_text)
        try:
            return (kind, cells.parse_level_cell(kind, level_text))
        except ValueError:
            raise ValueError(level_error(kind)) from None


class CourseResource(TemplateResource):
    kind = "khoa_hoc"
    key_fields = ("code",)
    required = ("code", "title", "types", "start_date", "end_date")
    compared = {"types": ("_import_types",), "grants": ("grants_kind", "grants_level")}
    label_field = "title"

    code = Field(attribute="code", column_name="Mã khóa học", widget=CodeWidget(60, required=True))
    title = Field(attribute="title", column_name="Tên khóa học", widget=NameWidget(255))
    types = DeferredField(attribute="types", column_name="Loại khóa học", widget=CourseTypesWidget())
    form = Field(attribute="form", column_name="Hình thức", widget=ChoiceWidget(CourseForm, required=False, empty=""))
    provider = Field(attribute="provider", column_name="Cơ sở đào tạo", widget=TextWidget(255, single_spaces=True))
    start_date = Field(attribute="start_date", column_name="Từ ngày", widget=DateWidget(required=True))
    end_date = Field(attribute="end_date", column_name="Đến ngày", widget=DateWidget(required=True))
    hours = Field(attribute="hours", column_name="Số tiết", widget=WholeNumberWidget(minimum=0, maximum=2_147_483_647))
    grants = GrantField(attribute="grants_kind", column_name="Cấp trình độ", widget=GrantWidget())

    class Meta(TemplateResource.Meta):
        model = Course
        fields = ("code", "title", "types", "form", "provider", "start_date", "end_date", "hours", "grants")
        import_id_fields = ("code",)

    def prefetch(self, raw):
        self.fields["types"].widget.codes = cells.CodeList(list(CourseType.objects.values_list("code", "name")))
        courses = in_chunks(Course.objects.values(*self.stored_fields()), "code", code_variants(raw["code"]))
        types_of: dict[int, set] = {}
        links = in_chunks(
            Course.types.through.objects.values_list("course_id", "coursetype_id"),
            "course_id",
            (course["id"] for course in courses),
        )
        for course_id, type_code in links:
            types_of.setdefault(course_id, set()).add(type_code)
        for course in courses:
            course["_import_types"] = frozenset(types_of.get(course["id"], ()))
        self.existing = {(normalise_code(course["code"]),): course for course in courses}
        # accounts.scoping: a scoped importer changes only the courses their subtree runs, and not what records
        # of other units' persons mean; new courses are run by the importer's unit (no unit, i.e. the whole city,
        # for a city-wide import).
        self.course_unit_path: dict[int, str] = {}
        self.shared_courses: set[int] = set()
        self.new_course_unit_id = None
        if self.scope_path is not None:
            self.new_course_unit_id = getattr(scope_unit(self.user), "pk", None)
            unit_ids = {course["unit_id"] for course in courses if course["unit_id"]}
            self.course_unit_path = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
            self.shared_courses = set(
                TrainingRecord.objects.filter(course_id__in=[course["id"] for course in courses])
                .exclude(person__unit__path__startswith=self.scope_path)
                .values_list("course_id", flat=True)
                .distinct()
            )

    def new_attributes(self, indexes):
        owner = {"_import_types": frozenset(), "unit_id": self.new_course_unit_id}
        return [owner | attributes for attributes in super().new_attributes(indexes)]

    def _compare(self, compared, start, stop):
        super()._compare(compared, start, stop)
        self._check_recorded_dates(start, stop)
        if self.scope_path is None:
            return
        for index in range(start, stop):
            if self.status[index] != "updated":
                continue
            record = self.records[index]
            if not self.in_scope(self.course_unit_path.get(record["unit_id"])):
                message = _("Khóa học mã «%(code)s» do đơn vị khác tổ chức; bạn không được sửa.")
                self.add_error(index, "code", message % {"code": record["code"]})
            elif record["id"] in self.shared_courses and set(self.changed[index]) & COURSE_MEANING_COLUMNS:
                self.add_error(index, "code", shared_course_message())
            else:
                continue
            self.status[index] = "error"

    def _check_recorded_dates(self, start, stop):
        """Refuse new dates of stored courses that would leave recorded completions outside (``training.rules``)."""
        moved = {
            index: (self.values["start_date"][index], self.values["end_date"][index])
            for index in range(start, stop)
            if self.status[index] == "updated" and {"start_date", "end_date"} & set(self.changed[index])
        }
        outside = completions_outside({self.records[index]["id"]: dates for index, dates in moved.items()})
        for index, (start_date, _end_date) in moved.items():
            record = self.records[index]
            errors = recorded_dates_errors(
                stored_start=record["start_date"], start_date=start_date, outside=outside.get(record["id"], 0)
            )
            for field, messages in errors.items():
                self.add_error(index, field, messages_text(messages))
                self.status[index] = "error"

    def check_row(self, index, record):
        dates = {"start_date": self.value("start_date", index), "end_date": self.value("end_date", index)}
        for field, messages in course_date_errors(**dates).items():
            self.add_error(index, field, messages_text(messages))

    def render(self, name, value):
        if name == "types":
            return "; ".join(sorted(value[0]))
        if name == "grants":
            kind, level = value
            return f"{kind}:{level_label(kind, level)}" if kind else ""
        return super().render(name, value)

    def update_fields(self, instances):
        return [name for name in super().update_fields(instances) if name != "types"]

    def write(self, created, updated):
        """Write courses, their types and their history (with the types as of the change) in bulk."""
        through = Course.types.through
        Course.objects.bulk_create(created, batch_size=WRITE_BATCH)
        self.claim_versions(updated)
        fields = self.update_fields(updated)
        if updated and fields:
            Course.objects.bulk_update(updated, fields, batch_size=WRITE_BATCH)
        retyped = [course for course in updated if "types" in course._import_changed]
        if retyped:
            through.objects.filter(course_id__in=[c.pk for c in retyped]).delete()
        through.objects.bulk_create(
            [
                through(course_id=c.pk, coursetype_id=code)
                for c in [*created, *retyped]
                for code in sorted(c._import_types)
            ],
            batch_size=WRITE_BATCH,
        )
        who = self.history_options()
        options = {"default_user": who["user"], "default_change_reason": who["reason"], "default_date": who["date"]}
        history = Course.history.bulk_history_create(created, batch_size=WRITE_BATCH, **options)
        history += Course.history.bulk_history_create(updated, batch_size=WRITE_BATCH, update=True, **options)
        record_type_history(history)


def record_type_history(history: list) -> None:
    """Record, with each course history row, the course's types at that moment (simple-history's m2m rows)."""
    through = Course.types.through
    types_of: dict[int, list] = {}
    for link in through.objects.filter(course_id__in=[h.id for h in history]):
        types_of.setdefault(link.course_id, []).append(link)
    type_history = Course.history.model.types.model
    type_history.objects.bulk_create(
        [
            type_history(history=h, id=link.id, course_id=link.course_id, coursetype_id=link.coursetype_id)
            for h in history
            for link in types_of.get(h.id, [])
        ],
        batch_size=WRITE_BATCH,
    )


# ---------------------------------------------------------------------------------------------
# 5. Training records — ket_qua


class TrainingRecordResource(TemplateResource):
    kind = "ket_qua"
    key_fields = ("person", "course")
    required = ("person", "course", "result")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    course = Field(
        attribute="course",
        column_name="Mã khóa học",
        widget=LookupWidget(gettext_lazy("Không có khóa học mã «%(code)s» (hãy nhập danh sách khóa học trước).")),
    )
    result = Field(attribute="result", column_name="Kết quả", widget=ChoiceWidget(TrainingResult))
    completed_on = Field(attribute="completed_on", column_name="Ngày hoàn thành", widget=DateWidget())
    certificate_number = Field(attribute="certificate_number", column_name="Số chứng chỉ", widget=TextWidget(100))

    class Meta(TemplateResource.Meta):
        model = TrainingRecord
        fields = ("person", "course", "result", "completed_on", "certificate_number")
        import_id_fields = ("person", "course")

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        courses = in_chunks(
            Course.objects.only("id", "code", "start_date", "end_date"), "code", code_variants(raw.get("course"))
        )
        self.fields["person"].widget.lookup = persons
        self.fields["course"].widget.lookup = {normalise_code(course.code): course for course in courses}
        course_ids = {course.pk for course in courses}
        stored = in_chunks(
            TrainingRecord.objects.filter(course_id__in=course_ids).values(*self.stored_fields()),
            "person_id",
            (p.pk for p in persons.values()),
        )
        self.existing = {(record["person_id"], record["course_id"]): record for record in stored}
        self.today = timezone.localdate()

    def check_row(self, index, record):
        """Apply the completion-date rules of data-exchange, section 5 (``training.rules``)."""
        course, result = self.value("course", index), self.value("result", index)
        if self.has_error(index, "completed_on") or course is None or not result:
            return
        completed_on = self.effective("completed_on", index, record)
        errors = completion_date_errors(course=course, result=result, completed_on=completed_on, today=self.today)
        if errors:
            self.add_error(index, "completed_on", messages_text(errors))

    def check_scope(self, index, record):
        self.check_person_scope(index)

    def write(self, created, updated):
        """Write the new and changed records through the one upsert of training records (``training.upsert``).

        A changed row carries the version read when the file was checked (``core.concurrency``: a record saved
        by someone else since refuses the file); a column left out of the file keeps the stored value.
        """
        fields = [name for name in UPSERT_FIELDS if name in self.present]
        rows = [
            {"person_id": r.person_id, "course_id": r.course_id, **{f: getattr(r, f) for f in fields}} for r in created
        ]
        rows += [
            {
                "person_id": r.person_id,
                "course_id": r.course_id,
                "version": r.version,
                **{f: getattr(r, f) for f in fields},
            }
            for r in updated
        ]
        who = self.history_options()
        done = upsert_records(rows=rows, user=who["user"], reason=who["reason"], date=who["date"], what=self.kind)
        # The rows' ids (object_ids): the new records as written.
        self.created_instances = done.records[: len(created)]
