"""6. Appointments — bo_nhiem, and 6b. assignments — qua_trinh_cong_tac (data-exchange, section 6)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from core.codes import normalise_code
from personnel import history
from personnel.choices import AppointmentKind, Category, LeadershipLevel
from personnel.models import Appointment, Assignment, OrgUnit

from ..bulk import record_deletions
from ..widgets import ChoiceWidget, DateWidget, LeadershipLevelWidget, LookupWidget, TextWidget
from .base import TemplateResource, in_chunks, person_lookup

# ---------------------------------------------------------------------------------------------
# 6. Appointments — bo_nhiem


class AppointmentResource(TemplateResource):
    kind = "bo_nhiem"
    key_fields = ("person", "kind_code", "appointed_on")
    required = ("person", "kind_code", "title", "appointed_on")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    kind_code = Field(attribute="kind", column_name="Loại bổ nhiệm", widget=ChoiceWidget(AppointmentKind))
    title = Field(attribute="title", column_name="Chức danh", widget=TextWidget(255, required=True, single_spaces=True))
    appointed_on = Field(attribute="appointed_on", column_name="Ngày bổ nhiệm", widget=DateWidget(required=True))

    class Meta(TemplateResource.Meta):
        model = Appointment
        fields = ("person", "kind_code", "title", "appointed_on")
        import_id_fields = ("person", "kind_code", "appointed_on")

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        self.fields["person"].widget.lookup = persons
        stored = in_chunks(
            Appointment.objects.values(*self.stored_fields()), "person_id", (p.pk for p in persons.values())
        )
        self.existing = {(a["person_id"], a["kind"], a["appointed_on"]): a for a in stored}

    def check_scope(self, index, record):
        self.check_person_scope(index)


# ---------------------------------------------------------------------------------------------
# 6b. Assignments — qua_trinh_cong_tac


class AssignmentResource(TemplateResource):
    """A person's whole history: the file's rows for a person replace their assignments (all or nothing)."""

    kind = "qua_trinh_cong_tac"
    key_fields = ("person", "start_date")
    required = ("person", "unit", "category")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    unit = Field(
        attribute="unit",
        column_name="Mã đơn vị",
        widget=LookupWidget(gettext_lazy("Không có đơn vị mã «%(code)s» (hãy nhập danh sách đơn vị trước).")),
    )
    category = Field(attribute="category", column_name="Đối tượng", widget=ChoiceWidget(Category))
    leadership_level = Field(
        attribute="leadership_level",
        column_name="Cấp chức vụ",
        widget=LeadershipLevelWidget(LeadershipLevel, required=False, empty=LeadershipLevel.NONE),
    )
    position_title = Field(
        attribute="position_title", column_name="Chức vụ", widget=TextWidget(255, single_spaces=True)
    )
    start_date = Field(attribute="start_date", column_name="Từ ngày", widget=DateWidget())
    end_date = Field(attribute="end_date", column_name="Đến ngày", widget=DateWidget())

    class Meta(TemplateResource.Meta):
        model = Assignment
        fields = ("person", "unit", "category", "leadership_level", "position_title", "start_date", "end_date")
        import_id_fields = ("person", "start_date")

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        self.fields["person"].widget.lookup = persons
        units = list(OrgUnit.objects.only("id", "code", "name", "path", "opened_on", "closed_on"))
        self.fields["unit"].widget.lookup = {normalise_code(unit.code): unit for unit in units}
        self.unit_code = {unit.pk: unit.code for unit in units}
        stored = in_chunks(
            Assignment.objects.values(*self.stored_fields()), "person_id", (p.pk for p in persons.values())
        )
        self.existing = {(a["person_id"], a["start_date"]): a for a in stored}

    def stored_fields(self):
        return [name for name in super().stored_fields() if name != "heir_unit_id"]

    def check(self, table, mapping, *, on_progress=None):
        """Check each row, then each person's rows together: no overlap (organisation-history.md, section 3)."""
        super().check(table, mapping, on_progress=on_progress)
        rows_of: dict[int, list[int]] = {}
        for index, person in enumerate(self.values.get("person", [])):
            if person is not None:
                rows_of.setdefault(person.pk, []).append(index)
        for indexes in rows_of.values():
            stretches = []
            for index in indexes:
                unit = self.value("unit", index)
                if unit is None or self.has_error(index, "start_date") or self.has_error(index, "end_date"):
                    continue
                stretch = history.Stretch(
                    unit=unit,
                    category="",
                    start_date=self.value("start_date", index),
                    end_date=self.value("end_date", index),
                    label=str(index),
                )
                stretches.append(stretch)
            for stretch, reason in history.check_stretches(stretches):
                index = int(stretch.label)
                self.add_error(index, "end_date" if "kết thúc" in reason else "unit", reason)
                self.status[index] = "error"

    def check_scope(self, index, record):
        self.check_person_scope(index)
        unit = self.value("unit", index)
        if unit is not None and not self.in_scope(unit.path):
            self.add_error(
                index, "unit", _("Đơn vị mã «%(code)s» nằm ngoài phạm vi quản lý của bạn.") % {"code": unit.code}
            )

    def render(self, name, value):
        if name == "unit":
            return self.unit_code.get(value[0], "")
        return super().render(name, value)

    def write(self, created, updated):
        """Delete the persons' assignments the file does not list, write the file's, and bring the persons'
        rows and heir units in line."""
        person_ids = sorted({p.pk for p in self.values["person"] if p is not None})
        kept = {record["id"] for record in self.records if record is not None}
        gone = [a for a in in_chunks(Assignment.objects.all(), "person_id", person_ids) if a.pk not in kept]
        if gone:
            record_deletions(Assignment, gone, **self.history_options())
            Assignment.objects.filter(pk__in=[a.pk for a in gone]).delete()
        super().write(created, updated)
        history.sync_persons(person_ids)
        history.refresh_heirs(person_ids=person_ids)
