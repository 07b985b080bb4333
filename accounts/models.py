"""Users of the product (every user belongs to a unit, and sees that unit and the units below it), and the
access log of personal data."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import fold


class User(AbstractUser):
    """A user of the product. ``last_name`` holds the family name (họ), ``first_name`` the middle and given
    names (tên đệm và tên): a person is shown family name first ("Nguyễn Thu Hà"), by ``display_name``."""

    unit = models.ForeignKey(
        "personnel.OrgUnit", models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("đơn vị")
    )
    # +1 whenever what the user may do changes (role groups, permissions, superuser or active flag): a session
    # compares it with the one it decided its second-factor requirement at, so the rule follows the role on every
    # request without a permission query (accounts.mfa.session_needs_mfa, accounts.signals).
    role_version = models.PositiveIntegerField(_("phiên bản vai trò"), default=1, editable=False)
    # User name, full name and e-mail folded (lower case, no accents): the users list searches it.
    search_text = models.CharField(max_length=600, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_flags = (user.__dict__.get("is_superuser"), user.__dict__.get("is_active"))
        return user

    def get_full_name(self) -> str:
        """Return the name the Vietnamese way, family name first ("Nguyễn Thu Hà")."""
        return " ".join(part for part in (self.last_name.strip(), self.first_name.strip()) if part)

    def display_name(self) -> str:
        """Return how the user is shown everywhere (header, lists, logs): their full name, else their user name."""
        return self.get_full_name() or self.get_username()

    def searchable_text(self) -> str:
        """Return what the users list's search matches: user name, full name, e-mail, folded."""
        return fold(" ".join([self.username or "", self.get_full_name(), self.email or ""]))[:600]

    def save(self, *args, **kwargs):
        """Save; a new password ends every API token of the user (their other sessions end by Django's session
        hash), deactivation ends their sessions and tokens, and a changed superuser or active flag bumps
        ``role_version``."""
        password_changed = self._password is not None and not self._state.adding
        loaded = getattr(self, "_loaded_flags", None)
        update_fields = kwargs.get("update_fields")
        if loaded is not None and None not in loaded and loaded != (self.is_superuser, self.is_active):
            self.role_version += 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "role_version"}
        self.search_text = self.searchable_text()
        if update_fields is not None and {"username", "first_name", "last_name", "email"} & set(update_fields):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)
        self._loaded_flags = (self.is_superuser, self.is_active)
        if loaded is not None and loaded[1] and not self.is_active:
            from .sessions import end_access

            end_access(self)  # deactivated, wherever (the users pages, the Django admin, a shell): access ends now
        elif password_changed:
            from .sessions import end_tokens

            end_tokens(self)


class AccessAction(models.TextChoices):
    """What a user did with personal data that the access log records."""

    VIEW_PERSON = "view_person", _("Xem hồ sơ cán bộ")
    API_VIEW_PERSON = "api_view_person", _("Xem hồ sơ cán bộ qua API")
    EXPORT = "export", _("Xuất tệp")
    PRINT = "print", _("Xem bản in báo cáo")
    FAILED_ROWS = "failed_rows", _("Tải các dòng lỗi của lần nhập")
    LIST_PERSONS = "list_persons", _("Xem danh sách, tìm kiếm cán bộ")
    API_LIST_PERSONS = "api_list_persons", _("Xem danh sách cán bộ qua API")
    EDIT_PERSON = "edit_person", _("Mở biểu mẫu sửa hồ sơ cán bộ")
    VIEW_INDICATORS = "view_indicators", _("Xem chỉ tiêu của cán bộ")


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete an access log entry."""


class AccessLogQuerySet(models.QuerySet):
    """Access log entries: added, read, never changed or deleted through the ORM."""

    def update(self, **kwargs):
        raise AppendOnlyError(_("Nhật ký truy cập chỉ được ghi thêm, không được sửa."))

    def delete(self):
        raise AppendOnlyError(_("Nhật ký truy cập chỉ được ghi thêm, không được xóa."))


class AccessLog(models.Model):
    """Who saw or exported personal data, when, what, and from where (written by ``accounts.access``).

    Append-only: entries are inserted one per request (bulk_create works too) and never changed. The
    username is copied so an entry still says who it was after the user account is deleted.
    """

    at = models.DateTimeField(_("thời điểm"), default=timezone.now, editable=False)
    user = models.ForeignKey(
        User,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (user, at) index serves lookups by user
        verbose_name=_("người dùng"),
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    action = models.CharField(_("thao tác"), max_length=32, choices=AccessAction.choices)
    target = models.CharField(_("hồ sơ hoặc tệp được truy cập"), max_length=255, blank=True)
    unit = models.CharField(_("đơn vị"), max_length=64, blank=True)
    filters = models.JSONField(_("điều kiện lọc"), default=dict, blank=True)
    address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    # A list or search: how many persons it returned (None for a single person or a file).
    persons = models.PositiveIntegerField(_("số cán bộ"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký truy cập dữ liệu cá nhân")
        verbose_name_plural = _("nhật ký truy cập dữ liệu cá nhân")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="access_log_at"),
            models.Index(fields=["user", "at"], name="access_log_user_at"),
        ]

    def __str__(self):
        return f"{self.username} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_("Nhật ký truy cập chỉ được ghi thêm, không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("Nhật ký truy cập chỉ được ghi thêm, không được xóa."))


class AccountAction(models.TextChoices):
    """What an admin did to an account (the users pages record each change)."""

    CREATE = "create", _("Tạo tài khoản")
    CHANGE_ROLE = "change_role", _("Đổi vai trò")
    CHANGE_UNIT = "change_unit", _("Đổi đơn vị")
    DEACTIVATE = "deactivate", _("Vô hiệu hóa")
    REACTIVATE = "reactivate", _("Kích hoạt lại")
    RESET_MFA = "reset_mfa", _("Đặt lại xác thực hai lớp")
    PASSWORD_LINK = "password_link", _("Tạo đường dẫn đặt mật khẩu")


class AccountEvent(models.Model):
    """Who changed which account, how and when (written by ``accounts.services``, append-only like the access log).

    The user names are copied so an entry still says who it was after an account is deleted.
    """

    at = models.DateTimeField(_("thời điểm"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người thực hiện")
    )
    actor_username = models.CharField(_("tên đăng nhập người thực hiện"), max_length=150, blank=True)
    target = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="account_events", verbose_name=_("tài khoản")
    )
    target_username = models.CharField(_("tên đăng nhập tài khoản"), max_length=150)
    action = models.CharField(_("thao tác"), max_length=32, choices=AccountAction.choices)
    detail = models.CharField(_("chi tiết"), max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("thay đổi tài khoản")
        verbose_name_plural = _("nhật ký thay đổi tài khoản")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target", "at"], name="account_event_target_at")]

    def __str__(self):
        return f"{self.actor_username} {self.action} {self.target_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_("Nhật ký thay đổi tài khoản chỉ được ghi thêm, không được sửa."))
        super().save(*args, **kwargs)
