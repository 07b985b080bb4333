"""Forms of the HR screens: persons, their qualifications, appointments and training records.

They check what the import checks (data-exchange, sections 2, 3, 5 and 6) and put each message next
to its field. Units offered are only those in the user's scope.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import visible_units
from core.widgets import FastSelect, ListedChoiceIterator
from training.models import Course, TrainingRecord
from training.services import completion_date_errors

from .choices import QualificationKind
from .models import Appointment, OrgUnit, Person, Qualification
from .qualifications import DECLARED_FIELD, LADDERS, level_label
from .services import appointment_training_gaps


def date_input() -> forms.DateInput:
    """Return a dd/mm/yyyy text input (settings accept dd/mm/yyyy and yyyy-mm-dd)."""
    return forms.DateInput(
        format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
    )


def ladder_choices(kind: str) -> list[tuple[int, str]]:
    """Return the (level, "level — label") choices of a qualification ladder."""
    return [(level, f"{level} — {label}") for level, label in LADDERS[kind].items()]


class UnitChoiceField(forms.ModelChoiceField):
    """A unit select whose labels show the tree by indentation."""

    widget = FastSelect
    iterator = ListedChoiceIterator

    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


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
        error_messages={"unique": _("Số CCCD này đã có trong hồ sơ của một cán bộ khác.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Person
        fields = [
            "code",
            "full_name",
            "birth_date",
            "gender",
            "citizen_id",
            "unit",
            "category",
            "position_title",
            "leadership_level",
            "btv_managed",
            "btv_succession",
            "deputy_term",
            "education_level",
            "field_suited",
            "political_level",
            "state_management_level",
            "language_level",
            "start_date",
            "end_date",
        ]
        field_classes = {"unit": UnitChoiceField}
        widgets = {
            "birth_date": date_input(),
            "start_date": date_input(),
            "end_date": date_input(),
            "deputy_term": forms.TextInput(attrs={"placeholder": "2021-2026"}),
        }
        error_messages = {
            "code": {"unique": _("Mã cán bộ này đã được dùng cho một người khác.")},
            "unit": {"invalid_choice": _("Đơn vị này nằm ngoài phạm vi bạn quản lý.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = visible_units(user).order_by("path")
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

    def clean_citizen_id(self):
        value = self.cleaned_data.get("citizen_id") or ""
        # Spaces and dots are common when the number is copied from a card.
        digits = "".join(ch for ch in value if ch not in " .")
        return digits or None

    def clean_birth_date(self):
        return not_in_future(self.cleaned_data.get("birth_date"), _("Ngày sinh không được ở tương lai."))

    def clean_start_date(self):
        return not_in_future(self.cleaned_data.get("start_date"), _("Ngày bắt đầu công tác không được ở tương lai."))

    def clean(self):
        cleaned = super().clean()
        start, end, birth = cleaned.get("start_date"), cleaned.get("end_date"), cleaned.get("birth_date")
        if start and end and end < start:
            self.add_error("end_date", _("Ngày thôi việc không được trước ngày bắt đầu công tác."))
        if birth and start and start <= birth:
            self.add_error("start_date", _("Ngày bắt đầu công tác phải sau ngày sinh."))
        if cleaned.get("unit") is not None and not self.errors:
            self.refuse_locked_placement(cleaned)
        return cleaned

    def refuse_locked_placement(self, cleaned) -> None:
        """Refuse a move or a date that would change an approved year's figures (approvals.locks)."""
        from types import SimpleNamespace

        from approvals.locks import YearLocked, check_person_writable

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

    def others(self, model):
        """Return the person's other records of ``model`` (excluding the one being edited)."""
        return model.objects.filter(person=self.person).exclude(pk=self.instance.pk)

    def refuse_locked(self, field: str, day, *, appointment: bool = False) -> None:
        """Add an error when the record, as stored or as typed, is dated in an approved year (approvals.locks)."""
        from approvals.locks import YearLocked, check_writable, record_day

        days = [day]
        if self.instance.pk is not None:
            days.append(record_day(type(self.instance).objects.get(pk=self.instance.pk)))
        try:
            check_writable(person_ids=[self.person.pk] * len(days), dates=days, appointment=appointment, record=False)
        except YearLocked as error:
            self.add_error(field, error.messages[0])


class QualificationForm(PersonChildForm):
    """A dated qualification: kind, level within its ladder, date obtained, document number."""

    level = forms.TypedChoiceField(label=_("Trình độ"), choices=[(n, str(n)) for n in range(7)], coerce=int)

    class Meta:
        model = Qualification
        fields = ["kind", "level", "obtained_on", "document_number"]
        widgets = {"obtained_on": date_input()}
        help_texts = {"obtained_on": _("Để trống nếu có từ trước khi bắt đầu ghi chép.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].help_text = " · ".join(
            f"{QualificationKind(kind).label}: "
            + ", ".join(f"{level} = {label}" for level, label in ladder.items() if level)
            for kind, ladder in LADDERS.items()
        )

    def clean_obtained_on(self):
        return not_in_future(self.cleaned_data.get("obtained_on"), _("Ngày cấp không được ở tương lai."))

    def clean(self):
        cleaned = super().clean()
        kind, level = cleaned.get("kind"), cleaned.get("level")
        if kind and level is not None:
            ladder = LADDERS[kind]
            if level not in ladder:
                self.add_error(
                    "level",
                    _("%(kind)s chỉ có trình độ từ 0 đến %(top)s.")
                    % {"kind": QualificationKind(kind).label, "top": max(ladder)},
                )
            elif (
                self.others(Qualification)
                .filter(kind=kind, level=level, obtained_on=cleaned.get("obtained_on"))
                .exists()
            ):
                self.add_error(
                    "level",
                    _("Cán bộ đã có văn bằng %(label)s với cùng ngày cấp.") % {"label": level_label(kind, level)},
                )
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
        if self.others(Appointment).filter(kind=kind, appointed_on=appointed_on).exists():
            self.add_error("appointed_on", _("Cán bộ đã có một lần bổ nhiệm cùng loại vào ngày này; hãy sửa lần đó."))
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
        if self.others(TrainingRecord).filter(course=course).exists():
            self.add_error("course", _("Cán bộ đã có kết quả của khóa học này; hãy sửa kết quả đó."))
        if not self.has_error("completed_on"):
            self.refuse_locked("completed_on", cleaned.get("completed_on") or course.end_date)
        return cleaned
