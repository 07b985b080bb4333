"""Forms of the users pages (accounts.views_users). They check the input's shape; the services
(accounts.services) check what the admin may do, and their errors are put back on the fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from personnel.models import OrgUnit

from .roles import Role
from .scoping import manageable_units


class UnitField(forms.Field):
    """A unit chosen in a plain select of the units the admin manages (any unit id is looked up, so that one
    outside the scope gets the service's clear refusal rather than a bare "invalid choice")."""

    widget = forms.Select

    def __init__(self, *, units, **kwargs):
        super().__init__(**kwargs)
        self.widget.choices = [("", "---------")] + [(unit.pk, f"{unit.name} ({unit.code})") for unit in units]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return OrgUnit.objects.get(pk=int(value))
        except (TypeError, ValueError, OrgUnit.DoesNotExist):
            raise ValidationError(_("Không có đơn vị “%(value)s”."), params={"value": value}) from None


def _role_field(**kwargs):
    return forms.ChoiceField(label=_("Vai trò"), choices=[("", "---------"), *Role.choices], **kwargs)


class ServiceErrorsMixin:
    """Put a service's ValidationError on the form's fields (or on the form when it names none)."""

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class UserCreateForm(ServiceErrorsMixin, forms.Form):
    LINK, PASSWORD = "link", "password"

    family_name = forms.CharField(label=_("Họ"), max_length=150, help_text=_("Ví dụ: Nguyễn"))
    given_name = forms.CharField(label=_("Tên đệm và tên"), max_length=150, help_text=_("Ví dụ: Thu Hà"))
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    password_mode = forms.ChoiceField(
        label=_("Mật khẩu ban đầu"),
        choices=[
            (LINK, _("Tạo đường dẫn để người dùng tự đặt mật khẩu")),
            (PASSWORD, _("Đặt mật khẩu ban đầu ngay")),
        ],
        initial=LINK,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Mật khẩu ban đầu"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Chỉ khi chọn đặt mật khẩu ngay; ít nhất 8 ký tự, không quá đơn giản."),
    )

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitField(label=_("Đơn vị"), units=manageable_units(admin).order_by("path"))
        self.fields["role"] = _role_field()
        self.order_fields(["family_name", "given_name", "username", "unit", "role", "email", "password_mode"])

    def clean(self):
        data = super().clean()
        if data.get("password_mode") == self.PASSWORD and not data.get("password"):
            self.add_error("password", _("Hãy nhập mật khẩu ban đầu, hoặc chọn tạo đường dẫn đặt mật khẩu."))
        return data


class UserChangeForm(ServiceErrorsMixin, forms.Form):
    """The unit and role of an account."""

    def __init__(self, *args, admin, user, **kwargs):
        from .roles import role_of

        super().__init__(*args, initial={"unit": user.unit_id, "role": role_of(user) or ""}, **kwargs)
        self.fields["unit"] = UnitField(label=_("Đơn vị"), units=manageable_units(admin).order_by("path"))
        self.fields["role"] = _role_field()
