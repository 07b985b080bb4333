"""Forms of the HR screens: persons, their qualifications, appointments and training records.

They check what the import checks (data-exchange, sections 2, 3, 5 and 6) and put each message next
to its field. Units offered are only those in the user's scope.
"""

import copy
import json

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import visible_units
from approvals.locks import YearLocked, check_person_writable, check_writable, record_day
from core.codes import clean_code
from core.widgets import FastSelect, ListedChoiceIterator
from personnel.choices import QualificationKind
from personnel.job_positions import JobPosition
from personnel.models import UNIT_ORDER, Appointment, OrgUnit, Person, Qualification
from personnel.qualifications import DECLARED_FIELD, LADDERS, level_choices, qualification_level_error
from personnel.reorganisation import PlanError, read_plan
from personnel.rules import natural_key_errors, person_date_errors
from targets.appointments import appointment_training_gaps
from training.models import Course, TrainingRecord
from training.rules import completion_date_errors


def date_input() -> forms.DateInput:
    """Return a dd/mm/yyyy text input (settings accept dd/mm/yyyy and yyyy-mm-dd)."""
    return forms.DateInput(
        format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
    )


def ladder_choices(kind: str) -> list[tuple[int, str]]:
    """Return the (level, "level — label") choices of a qualification ladder."""
    return [(level, f"{level} — {label}") for level, label in LADDERS[kind].items()]


class LevelSelect(forms.Select):
    """The levels of one qualification kind; static/js/levels.js swaps them when the kind select changes."""

    def __init__(self, kind_field: str = "kind", attrs=None):
        levels = {kind: level_choices(kind) for kind in LADDERS}
        attrs = {"data-levels": json.dumps(levels, ensure_ascii=False), "data-kind-field": kind_field, **(attrs or {})}
        super().__init__(attrs)

    def get_context(self, name, value, attrs):
        # The labels are lazy translations: read them in the language of this request.
        self.attrs["data-levels"] = json.dumps({kind: level_choices(kind) for kind in LADDERS}, ensure_ascii=False)
        return super().get_context(name, value, attrs)

    class Media:
        js = ["js/levels.js"]


class UnitChoiceField(forms.ModelChoiceField):
    """A unit select whose labels show the tree by indentation; one can type into it (static/js/pickers.js)."""

    widget = FastSelect(attrs={"data-search": ""})
    iterator = ListedChoiceIterator

    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.option_label


def not_in_future(value, message):
    """Raise a ValidationError with ``message`` when the date is after today."""
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


class VersionedForm(forms.ModelForm):
    """A model form that carries, hidden, the version of the record it edits (``core.concurrency``).

    The view saves with ``edited_version``; when someone saved the record since, it shows
    ``stale_message`` above the form, keeps what the user typed, and writes nothing.
    """

    stale_message = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=self.instance.version
            )

    def _post_clean(self):
        super()._post_clean()
        # A taken code is refused twice with the model's one message: by the field's unique check and by the
        # constraint on UPPER(code) (personnel.rules.unique_message). Show it once, next to the field.
        on_fields = {message for name, errors in self.errors.items() if name != NON_FIELD_ERRORS for message in errors}
        if NON_FIELD_ERRORS in self._errors:
            kept = [e for e in self._errors[NON_FIELD_ERRORS].as_data() if not set(e.messages) <= on_fields]
            if kept:
                self._errors[NON_FIELD_ERRORS] = self.error_class(kept, error_class="nonfield", renderer=self.renderer)
            else:
                del self._errors[NON_FIELD_ERRORS]

    @property
    def edited_version(self) -> int | None:
        """Return the version the edit started from (None: not sent, the save is unconditional, as in the API)."""
        if self.instance._state.adding:
            return None
        return self.cleaned_data.get("version")

    def refuse_stale(self, error) -> None:
        """Show why the save was refused (someone else saved the record since it was loaded)."""
        self.stale_message = str(error.message)


class PersonForm(VersionedForm):
    """A person's record, as in the personnel template; the unit must be in the user's scope."""

    # Longer than 12 on input: spaces and dots copied from the card are removed before the 12-digit check.
    citizen_id = forms.CharField(
        label=_("Số CCCD"),
        required=False,
        max_length=20,
        help_text=_("12 chữ số."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Person
        fields = list(Person.KEPT_FIELDS)
        field_classes = {"unit": UnitChoiceField}
        widgets = {
            "birth_date": date_input(),
            "start_date": date_input(),
            "end_date": date_input(),
            "deputy_term": forms.TextInput(attrs={"placeholder": "2021-2026"}),
        }
        # A taken code or citizen ID: the model's message (personnel.rules.unique_message).
        error_messages = {"unit": {"invalid_choice": _("Đơn vị này nằm ngoài phạm vi bạn quản lý.")}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = visible_units(user).order_by(UNIT_ORDER)
        for kind, name in DECLARED_FIELD.items():
            model_field = Person._meta.get_field(name)
            self.fields[name] = forms.TypedChoiceField(
                label=model_field.verbose_name.capitalize(),
                choices=ladder_choices(kind),
                coerce=int,
                initial=0,
            )

    # (legend, description, fields)
    FIELDSETS = [
        (_("Thông tin cá nhân"), "", ["code", "full_name", "birth_date", "gender", "citizen_id"]),
        (_("Công tác"), "", ["unit", "category", "position_title", "leadership_level", "start_date", "end_date"]),
        (_("Diện quản lý"), "", ["btv_managed", "btv_succession", "deputy_term"]),
        (
            _("Trình độ khai báo"),
            _(
                "Trình độ đã có, không rõ ngày cấp: được tính ở mọi thời điểm. Văn bằng có ngày cấp "
                "thì thêm ở trang của cán bộ."
            ),
            ["education_level", "political_level", "state_management_level", "language_level", "field_suited"],
        ),
    ]

    def fieldsets(self):
        """Return (legend, description, bound fields) groups for the template."""
        return [(legend, text, [self[name] for name in names]) for legend, text, names in self.FIELDSETS]

    def clean_code(self):
        return clean_code(self.cleaned_data.get("code"))

    def clean_citizen_id(self):
        value = self.cleaned_data.get("citizen_id") or ""
        # Spaces and dots are common when the number is copied from a card.
        digits = "".join(ch for ch in value if ch not in " .")
        return digits or None

    def clean(self):
        cleaned = super().clean()
        dates = {name: cleaned.get(name) for name in ("birth_date", "start_date", "end_date")}
        for field, messages in person_date_errors(**dates).items():
            self.add_error(field, messages)
        if cleaned.get("unit") is not None and not self.errors:
            self.refuse_locked_placement(cleaned)
        return cleaned

    def refuse_locked_placement(self, cleaned) -> None:
        """Refuse a move or a date that would change an approved year's figures (approvals.locks)."""
        from types import SimpleNamespace

        fields = ("unit", "category", "leadership_level", "start_date", "end_date")
        person = SimpleNamespace(
            pk=self.instance.pk, **{name: cleaned.get(name, getattr(self.instance, name, None)) for name in fields}
        )
        try:
            check_person_writable(person=person, record=False)
        except YearLocked as error:
            self.add_error("unit", error.messages[0])


class PersonChildForm(VersionedForm):
    """A record that belongs to one person, fixed by the page it is edited from."""

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.instance.person = person

    def refuse_taken(self, field: str, **values) -> bool:
        """Add the natural key's message next to ``field`` when another record of the person holds ``values``
        (``personnel.rules.natural_key_errors``); return whether it did."""
        typed = copy.copy(self.instance)
        for name, value in values.items():
            setattr(typed, name, value)
        errors = natural_key_errors(typed, field)
        for name, messages in errors.items():
            self.add_error(name, messages)
        return bool(errors)

    def refuse_locked(self, field: str, day, *, appointment: bool = False) -> None:
        """Add an error when the record, as stored or as typed, is dated in an approved year (approvals.locks)."""
        days = [day]
        if self.instance.pk is not None:
            days.append(record_day(type(self.instance).objects.get(pk=self.instance.pk)))
        try:
            check_writable(person_ids=[self.person.pk] * len(days), dates=days, appointment=appointment, record=False)
        except YearLocked as error:
            self.add_error(field, error.messages[0])


class QualificationForm(PersonChildForm):
    """A dated qualification: kind, level within its ladder, date obtained, document number."""

    # The rule on levels is personnel.qualifications.qualification_level_error; the picker offers only
    # the named levels of the chosen kind.
    level = forms.IntegerField(label=_("Trình độ"), widget=LevelSelect())

    class Meta:
        model = Qualification
        fields = ["kind", "level", "obtained_on", "document_number"]
        widgets = {"obtained_on": date_input()}
        help_texts = {"obtained_on": _("Để trống nếu có từ trước khi bắt đầu ghi chép.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.data.get(self.add_prefix("kind")) if self.is_bound else None
        kind = kind or self.initial.get("kind") or self.instance.kind or QualificationKind.choices[0][0]
        if kind not in LADDERS:
            kind = QualificationKind.choices[0][0]
        self.fields["level"].widget.choices = [("", "—"), *level_choices(kind)]

    def clean_obtained_on(self):
        return not_in_future(self.cleaned_data.get("obtained_on"), _("Ngày cấp không được ở tương lai."))

    def clean(self):
        cleaned = super().clean()
        kind, level = cleaned.get("kind"), cleaned.get("level")
        if kind and level is not None:
            if error := qualification_level_error(kind, level):
                self.add_error("level", error)
            else:
                self.refuse_taken("level", kind=kind, level=level, obtained_on=cleaned.get("obtained_on"))
        if not self.has_error("obtained_on"):
            self.refuse_locked("obtained_on", cleaned.get("obtained_on"))
        return cleaned


class AppointmentForm(PersonChildForm):
    """An appointment; if the training it requires is missing, saving needs an explicit confirmation."""

    confirm_missing_training = forms.BooleanField(
        label=_("Tôi biết cán bộ còn thiếu khóa bồi dưỡng bắt buộc và vẫn muốn lưu lần bổ nhiệm này."),
        required=False,
    )

    class Meta:
        model = Appointment
        fields = ["kind", "title", "appointed_on"]
        widgets = {"appointed_on": date_input()}

    training_gaps: list[str] = ()

    def clean(self):
        cleaned = super().clean()
        kind, appointed_on = cleaned.get("kind"), cleaned.get("appointed_on")
        if not (kind and appointed_on):
            return cleaned
        self.refuse_locked("appointed_on", appointed_on, appointment=True)
        if self.refuse_taken("appointed_on", kind=kind, appointed_on=appointed_on):
            return cleaned
        self.training_gaps = appointment_training_gaps(person=self.person, kind=kind, appointed_on=appointed_on)
        if self.training_gaps and not cleaned.get("confirm_missing_training"):
            self.add_error(
                "confirm_missing_training",
                _("Cán bộ chưa có khóa bồi dưỡng bắt buộc trước ngày bổ nhiệm; đánh dấu ô này để vẫn lưu."),
            )
        return cleaned


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.code} — {obj.title} ({obj.start_date:%d/%m/%Y}–{obj.end_date:%d/%m/%Y})"


class TrainingRecordForm(PersonChildForm):
    """A person's result in a course, with the completion-date rules of the import."""

    class Meta:
        model = TrainingRecord
        fields = ["course", "result", "completed_on", "certificate_number"]
        field_classes = {"course": CourseChoiceField}
        widgets = {"completed_on": date_input()}
        help_texts = {"completed_on": _("Chỉ ghi khi hoàn thành; để trống = ngày kết thúc khóa học.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.order_by("-start_date", "code")

    def clean(self):
        cleaned = super().clean()
        course, result = cleaned.get("course"), cleaned.get("result")
        if course is None or not result:
            return cleaned
        for error in completion_date_errors(course=course, result=result, completed_on=cleaned.get("completed_on")):
            self.add_error("completed_on", error)
        self.refuse_taken("course", course=course)
        if not self.has_error("completed_on"):
            self.refuse_locked("completed_on", cleaned.get("completed_on") or course.end_date)
        return cleaned


class TransferForm(forms.Form):
    """A transfer (chuyển công tác): the new unit, from which day, and optionally a new category,
    leadership level and position. Units offered are those of the user's scope open on the date typed
    (today by default); any unit of the scope is accepted here, and ``personnel.history.transfer`` refuses one not open
    from the chosen day (naming its closing date and primary successor)."""

    KEEP = ""

    unit = UnitChoiceField(
        label=_("Đơn vị mới"),
        queryset=OrgUnit.objects.none(),
        error_messages={"invalid_choice": _("Đơn vị này nằm ngoài phạm vi bạn quản lý.")},
    )
    on = forms.DateField(label=_("Từ ngày"), widget=date_input())
    category = forms.ChoiceField(label=_("Đối tượng mới"), required=False)
    leadership_level = forms.TypedChoiceField(label=_("Cấp chức vụ mới"), required=False, coerce=int, empty_value=None)
    position_title = forms.CharField(
        label=_("Chức vụ mới"), required=False, max_length=255, help_text=_("Để trống: giữ chức vụ hiện tại.")
    )
    job_position = forms.ModelChoiceField(
        label=_("Vị trí việc làm mới"),
        queryset=None,
        required=False,
        empty_label=_("— Giữ nguyên —"),
        widget=forms.Select(attrs={"data-search": ""}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        units = self.fields["unit"]
        units.queryset = visible_units(user).order_by(UNIT_ORDER)
        units.widget.choices = [("", units.empty_label)] + [
            (unit.id, unit.label) for unit in units.queryset.open_at(self.offered_day()).options()
        ]
        keep = [(self.KEEP, _("— Giữ nguyên —"))]
        self.fields["category"].choices = keep + list(Person._meta.get_field("category").choices)
        self.fields["leadership_level"].choices = keep + list(Person._meta.get_field("leadership_level").choices)
        self.fields["job_position"].queryset = JobPosition.objects.all()

    def offered_day(self):
        """Return the day whose open units are offered: the date typed (when it reads as one), else today."""
        value = self.data.get("on") if self.is_bound else self.initial.get("on")
        try:
            return self.fields["on"].clean(value) if value else self.fields["on"].initial
        except forms.ValidationError:
            return self.fields["on"].initial

    def changes(self) -> dict:
        """Return the keyword arguments of ``personnel.history.transfer`` the user chose (None: keep)."""
        data = self.cleaned_data
        return {
            "unit": data["unit"],
            "on": data["on"],
            "category": data.get("category") or None,
            "leadership_level": data.get("leadership_level"),
            "position_title": data.get("position_title") or None,
            "job_position": data.get("job_position"),
        }


class ReorganisationForm(forms.Form):
    """A reorganisation as three CSV tables, each pasted or uploaded (personnel.reorganisation.read_plan)."""

    MAX_FILE_SIZE = 2 * 1024 * 1024

    name = forms.CharField(label=_("Tên đợt sắp xếp"), max_length=255)
    effective_on = forms.DateField(label=_("Ngày hiệu lực"), widget=date_input())
    closures = forms.CharField(
        label=_("Đơn vị giải thể"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Mã đơn vị giải thể,Đơn vị kế thừa\nH01X1,N1\n"}),
        help_text=_(
            "Cột: Mã đơn vị giải thể, Đơn vị kế thừa (các mã cách nhau bởi dấu ;, đơn vị kế thừa chính đứng đầu)."
        ),
    )
    closures_file = forms.FileField(label=_("… hoặc tệp CSV đơn vị giải thể"), required=False)
    openings = forms.CharField(
        label=_("Đơn vị thành lập"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên\n"}),
        help_text=_("Cột: Mã đơn vị, Tên đơn vị, Cấp (thanh_pho, huyen, xa), Mã đơn vị cấp trên."),
    )
    openings_file = forms.FileField(label=_("… hoặc tệp CSV đơn vị thành lập"), required=False)
    destinations = forms.CharField(
        label=_("Nơi chuyển đến của từng cán bộ (không bắt buộc)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Mã cán bộ,Mã đơn vị\n"}),
        help_text=_("Cột: Mã cán bộ, Mã đơn vị. Người không có dòng nào chuyển sang đơn vị kế thừa chính."),
    )
    destinations_file = forms.FileField(label=_("… hoặc tệp CSV nơi chuyển đến"), required=False)

    plan = None

    def _table(self, name: str) -> str:
        upload = self.cleaned_data.get(f"{name}_file")
        if not upload:
            return self.cleaned_data.get(name) or ""
        if upload.size > self.MAX_FILE_SIZE:
            self.add_error(f"{name}_file", _("Tệp lớn hơn 2 MB."))
            return ""
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error(f"{name}_file", _("Tệp phải là CSV mã hóa UTF-8."))
            return ""

    def clean(self):
        cleaned = super().clean()
        tables = {name: self._table(name) for name in ("closures", "openings", "destinations")}
        if self.errors or not cleaned.get("effective_on"):
            return cleaned
        try:
            self.plan = read_plan(name=cleaned["name"], effective_on=cleaned["effective_on"], **tables)
        except PlanError as error:
            for message in error.errors:
                self.add_error(None, message)
        return cleaned
