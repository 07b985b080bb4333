"""Import batches: one row per spreadsheet load, linked to every history row the load wrote."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """The six templates of data-exchange.md, in the order they must be loaded."""

    UNITS = "don_vi", _("Đơn vị")
    PERSONNEL = "nhan_su", _("Nhân sự")
    QUALIFICATIONS = "van_bang", _("Văn bằng, chứng chỉ")
    COURSES = "khoa_hoc", _("Khóa học")
    TRAINING_RECORDS = "ket_qua", _("Kết quả đào tạo")
    APPOINTMENTS = "bo_nhiem", _("Bổ nhiệm")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Đang nhập")
    APPLIED = "applied", _("Đã ghi")
    REJECTED = "rejected", _("Bị từ chối (có lỗi, không ghi gì)")


HISTORY_REASON_PREFIX = "import:"


class ImportBatch(models.Model):
    """A load of one spreadsheet (not a dry run): who, when, which file, and what it did.

    Every record the load writes carries ``history_change_reason = "import:<id>"`` in its
    django-simple-history row, so the load's changes can be listed (and later undone) from here.
    """

    kind = models.CharField(_("loại dữ liệu"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("người nhập"),
    )
    started_at = models.DateTimeField(_("bắt đầu lúc"), default=timezone.now)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    new_count = models.PositiveIntegerField(_("số dòng mới"), default=0)
    updated_count = models.PositiveIntegerField(_("số dòng cập nhật"), default=0)
    unchanged_count = models.PositiveIntegerField(_("số dòng không đổi"), default=0)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name} ({self.started_at:%d/%m/%Y %H:%M})"

    @property
    def history_reason(self) -> str:
        """Return the change reason written on every history row of this load ("import:12")."""
        return f"{HISTORY_REASON_PREFIX}{self.pk}"

    def history(self, model) -> models.QuerySet:
        """Return the history rows this load wrote for ``model`` (a model tracked by simple-history)."""
        return model.history.filter(history_change_reason=self.history_reason)
