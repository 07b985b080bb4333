"""2. Personnel — nhan_su (data-exchange, section 2)."""

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.fields import Field

from core.codes import normalise_code
from personnel import history
from personnel.choices import Category, Gender, LeadershipLevel, QualificationKind
from personnel.models import Assignment, OrgUnit, Person
from personnel.rules import person_date_errors, unique_message
from personnel.services import prepare_person
from training.rules import messages_text

from ..bulk import insert_columns
from ..widgets import (
    ChoiceWidget,
    CitizenIdWidget,
    CodeWidget,
    DateWidget,
    LeadershipLevelWidget,
    LevelWidget,
    LookupWidget,
    NameWidget,
    TextWidget,
    YesNoWidget,
)
from .base import UNIT_NOT_FOUND, TemplateResource, code_variants, codes_in, in_chunks

K = QualificationKind


# ---------------------------------------------------------------------------------------------
# 2. Personnel — nhan_su


class DeputyTermWidget(TextWidget):
    """A People's Council term such as 2021-2026; empty when the person is not a deputy."""

    def __init__(self):
        super().__init__(40)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs).replace(" ", "").replace("–", "-")
        if text and not (len(text) == 9 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()):
            raise ValueError(_("Nhiệm kỳ phải có dạng 2021-2026."))
        return text


class PersonResource(TemplateResource):
    kind = "nhan_su"
    key_fields = ("code",)
    required = ("code", "full_name", "birth_date", "unit", "category")
    label_field = "full_name"

    code = Field(attribute="code", column_name="Mã cán bộ", widget=CodeWidget(40, required=True))
    full_name = Field(attribute="full_name", column_name="Họ và tên", widget=NameWidget(255))
    birth_date = Field(attribute="birth_date", column_name="Ngày sinh", widget=DateWidget(required=True))
    gender = Field(attribute="gender", column_name="Giới tính", widget=ChoiceWidget(Gender, required=False, empty=""))
    citizen_id = Field(attribute="citizen_id", column_name="Số CCCD", widget=CitizenIdWidget())
    unit = Field(
        attribute="unit",
        column_name="Mã đơn vị",
        widget=LookupWidget(UNIT_NOT_FOUND),
    )
    category = Field(attribute="category", column_name="Đối tượng", widget=ChoiceWidget(Category))
    position_title = Field(
        attribute="position_title", column_name="Chức vụ", widget=TextWidget(255, single_spaces=True)
    )
    leadership_level = Field(
        attribute="leadership_level",
        column_name="Cấp chức vụ",
        widget=LeadershipLevelWidget(LeadershipLevel, required=False, empty=LeadershipLevel.NONE),
    )
    btv_managed = Field(attribute="btv_managed", column_name="Diện BTV Thành ủy quản lý", widget=YesNoWidget())
    btv_succession = Field(attribute="btv_succession", column_name="Quy hoạch diện BTV", widget=YesNoWidget())
    deputy_term = Field(attribute="deputy_term", column_name="Nhiệm kỳ HĐND", widget=DeputyTermWidget())
    education_level = Field(
        attribute="education_level", column_name="Trình độ chuyên môn", widget=LevelWidget(K.EDUCATION)
    )
    field_suited = Field(attribute="field_suited", column_name="Chuyên môn phù hợp VTVL", widget=YesNoWidget())
    political_level = Field(
        attribute="political_level", column_name="Lý luận chính trị", widget=LevelWidget(K.POLITICAL_THEORY)
    )
    state_management_level = Field(
        attribute="state_management_level", column_name="Quản lý nhà nước", widget=LevelWidget(K.STATE_MANAGEMENT)
    )
    language_level = Field(attribute="language_level", column_name="Ngoại ngữ", widget=LevelWidget(K.FOREIGN_LANGUAGE))
    start_date = Field(attribute="start_date", column_name="Ngày bắt đầu công tác", widget=DateWidget())
    end_date = Field(attribute="end_date", column_name="Ngày thôi việc", widget=DateWidget())

    class Meta(TemplateResource.Meta):
        model = Person
        fields = Person.KEPT_FIELDS
        import_id_fields = ("code",)

    def prefetch(self, raw):
        units = list(OrgUnit.objects.only("id", "code", "name", "path", "opened_on", "closed_on"))
        self.fields["unit"].widget.lookup = {normalise_code(unit.code): unit for unit in units}
        self.unit_path = {unit.pk: unit.path for unit in units}
        self.unit_code = {unit.pk: unit.code for unit in units}
        persons = in_chunks(Person.objects.values(*self.stored_fields()), "code", code_variants(raw["code"]))
        self.existing = {(normalise_code(person["code"]),): person for person in persons}
        citizen_ids = {c for c in codes_in(raw.get("citizen_id")) if len(c) == 12}
        holders = in_chunks(Person.objects.values_list("citizen_id", "code", "unit__path"), "citizen_id", citizen_ids)
        self.citizen_id_holder = {citizen_id: code for citizen_id, code, _path in holders}
        self.citizen_id_holder_path = {citizen_id: path for citizen_id, _code, path in holders}
        self.citizen_id_line: dict[str, int] = {}
        # Persons with an assignment history: another unit, category or leadership level is a transfer today.
        counted = in_chunks(
            Assignment.objects.order_by().values("person_id").annotate(n=Count("id")).values_list("person_id", "n"),
            "person_id",
            [person["id"] for person in persons],
        )
        self.with_history = {pk for pk, n in counted if n > 1}
        self.today = timezone.localdate()

    def changes(self, index):
        """Return the changed columns, and the transfer dated today that they make for a person with a history
        (organisation-history.md, section 3)."""
        found = super().changes(index)
        record = self.records[index]
        moved = {"unit", "category", "leadership_level"} & set(self.changed[index])
        end = self.effective("end_date", index, record)
        if moved and record["id"] in self.with_history and (end is None or end > self.today):
            when = f"{self.today:%d/%m/%Y}"
            found.append((_("Quá trình công tác"), "", _("chuyển công tác từ hôm nay (%(date)s)") % {"date": when}))
        return found

    def check_row(self, index, record):
        end = self.effective("end_date", index, record)
        unit = self.value("unit", index)
        if unit is not None and not self.has_error(index, "end_date"):
            error = history.closed_unit_error(unit, None, end, check_opening=False)
            if error:
                self.add_error(index, "unit", error)
        dates = {name: self.effective(name, index, record) for name in ("birth_date", "start_date", "end_date")}
        for field, messages in person_date_errors(**dates, today=self.today).items():
            self.add_error(index, field, messages_text(messages))
        citizen_ids = self.values.get("citizen_id")
        citizen_id = citizen_ids[index] if citizen_ids is not None else None
        if citizen_id:
            line = self.lines[index]
            holder = self.citizen_id_holder.get(citizen_id)
            first_line = self.citizen_id_line.setdefault(citizen_id, line)
            code = self.values["code"][index]
            if holder is not None and holder != code:
                if self.scope_path is None or self.in_scope(self.citizen_id_holder_path.get(citizen_id)):
                    message = _("Số CCCD này đã thuộc cán bộ mã «%(code)s».") % {"code": holder}
                else:  # the holder is not the importer's to see: do not name them
                    message = unique_message(Person, "citizen_id")
                self.add_error(index, "citizen_id", message)
            elif first_line != line:
                self.add_error(
                    index, "citizen_id", _("Số CCCD trùng với dòng %(line)s của tệp.") % {"line": first_line}
                )

    def check_scope(self, index, record):
        if record is not None and not self.in_scope(self.unit_path.get(record["unit_id"])):
            # The code is taken by a person the importer may not see: refused as the form refuses it, unnamed.
            self.add_error(index, "code", unique_message(Person, "code"))
        unit = self.value("unit", index)
        if unit is not None and not self.in_scope(unit.path):
            self.add_error(index, "unit", str(UNIT_NOT_FOUND) % {"code": unit.code})

    def render(self, name, value):
        if name == "unit":
            return self.unit_code.get(value[0], "")
        return super().render(name, value)

    def build(self):
        created, updated = super().build()
        for person in created:
            prepare_person(person)
        now = timezone.now()
        for person in updated:
            if "full_name" in person._import_changed or "code" in person._import_changed:
                prepare_person(person)
            person.updated_at = now  # bulk writes do not fill auto_now fields
        return created, updated

    def update_fields(self, instances):
        fields = set(super().update_fields(instances))
        if "full_name" in fields or "code" in fields:
            fields.update(["family_name", "middle_name", "given_name", "sort_key", "search_text"])
        return sorted(fields | {"updated_at"})

    def write(self, created, updated):
        """Write the persons, then bring their assignments in line with their rows (a row naming another
        unit for someone with a history is a transfer dated today: organisation-history.md, section 3).

        A new person has no history: their one assignment is computed before they are written
        (``history.first_assignments``) and copied in bulk, nothing read back; a changed person goes through
        ``history.sync_person_assignments``.
        """
        units = {unit.pk: unit for unit in self.fields["unit"].widget.lookup.values()}
        placed = history.first_assignments(created, units, today=self.today)
        super().write(created, updated)
        if created:
            insert_columns(
                Assignment,
                {
                    "person_id": [person.pk for person in created],
                    "unit_id": [person.unit_id for person in created],
                    "category": [stretch.category for stretch, _heir in placed],
                    "leadership_level": [stretch.leadership_level for stretch, _heir in placed],
                    "position_title": [stretch.position_title for stretch, _heir in placed],
                    "start_date": [stretch.start_date for stretch, _heir in placed],
                    "end_date": [stretch.end_date for stretch, _heir in placed],
                    "heir_unit_id": [heir for _stretch, heir in placed],
                },
                job_position_id=None,
            )
            history.mark_heirs_computed(self.today)
        history.sync_person_assignments([person.pk for person in updated])
