"""Users of the product (every user belongs to a unit, and sees that unit and the units below it), and the
access log of personal data."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    unit = models.ForeignKey(
        "personnel.OrgUnit", models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("đơn vị")
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")


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
