"""Import batches: one row per spreadsheet load, linked to every history row the load wrote."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """The templates of data-exchange.md, in the order they must be loaded (assignments after personnel)."""

    UNITS = "don_vi", _("Đơn vị")
    PERSONNEL = "nhan_su", _("Nhân sự")
    ASSIGNMENTS = "qua_trinh_cong_tac", _("Quá trình công tác")
    QUALIFICATIONS = "van_bang", _("Văn bằng, chứng chỉ")
    COURSES = "khoa_hoc", _("Khóa học")
    TRAINING_RECORDS = "ket_qua", _("Kết quả đào tạo")
    APPOINTMENTS = "bo_nhiem", _("Bổ nhiệm")


class ImportStatus(models.TextChoices):
    PREVIEWING = "previewing", _("Đang kiểm tra")
    PREVIEWED = "previewed", _("Chờ xác nhận")
    RUNNING = "running", _("Đang nhập")
    APPLIED = "applied", _("Đã ghi")
    REJECTED = "rejected", _("Bị từ chối (có lỗi, không ghi gì)")
    FAILED = "failed", _("Lỗi hệ thống (không ghi gì)")
    CANCELLED = "cancelled", _("Đã hủy (không ghi gì)")
    UNDONE = "undone", _("Đã hoàn tác")


class JobState(models.TextChoices):
    """Where a batch's background job is: waiting for a worker, running, or done (none: no job)."""

    NONE = "", _("Không có")
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Xong")


class JobKind(models.TextChoices):
    PREVIEW = "preview", _("Kiểm tra trước")
    APPLY = "apply", _("Ghi dữ liệu")
    UNDO = "undo", _("Hoàn tác")


class JobStage(models.TextChoices):
    QUEUED = "queued", _("Đang chờ đến lượt")
    READING = "reading", _("Đang đọc tệp")
    CHECKING = "checking", _("Đang kiểm tra các dòng")
    WRITING = "writing", _("Đang ghi dữ liệu")
    UNDOING = "undoing", _("Đang hoàn tác")
    REPORTING = "reporting", _("Đang lưu kết quả")
    DONE = "done", _("Xong")


HISTORY_REASON_PREFIX = "import:"
UNDO_REASON_PREFIX = "undo:"


class ImportBatch(models.Model):
    """A load of one spreadsheet (not a dry run): who, when, which file, and what it did.

    Every record the load writes carries ``history_change_reason = "import:<id>"`` in its
    django-simple-history row, so the load's changes can be listed (and later undone) from here.
    """

    kind = models.CharField(_("loại dữ liệu"), max_length=24, choices=ImportKind.choices)
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
    # The uploaded file, kept in the database so that any app server or worker can run its jobs.
    content = models.BinaryField(_("nội dung tệp"), default=b"", editable=False)
    file_size = models.PositiveIntegerField(_("dung lượng tệp"), default=0)
    # Errors that belong to no data row (unreadable file, unknown columns): [line, column, value, reason].
    file_errors = models.JSONField(_("lỗi của tệp"), default=list, blank=True)
    # The background job (a preview, then the load) and its progress.
    job = models.CharField(_("việc"), max_length=8, choices=JobKind.choices, blank=True)
    job_state = models.CharField(_("tình trạng việc"), max_length=8, choices=JobState.choices, blank=True)
    stage = models.CharField(_("bước"), max_length=12, choices=JobStage.choices, blank=True)
    rows_done = models.PositiveIntegerField(_("số dòng đã xử lý"), default=0)
    rows_total = models.PositiveIntegerField(_("tổng số dòng"), default=0)
    claimed_by = models.CharField(max_length=100, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # The importer's language when the file was sent: a job's messages are written in it.
    language = models.CharField(_("ngôn ngữ"), max_length=8, blank=True)
    undone_at = models.DateTimeField(_("hoàn tác lúc"), null=True, blank=True)
    # Why the last undo was refused: {"message": …, "details": [records in the way]} (empty: none refused).
    undo_refusal = models.JSONField(_("lý do không hoàn tác được"), default=dict, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người hoàn tác"),
    )

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["job_state", "id"], name="import_batch_job_queue")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name} ({self.started_at:%d/%m/%Y %H:%M})"

    @property
    def history_reason(self) -> str:
        """Return the change reason written on every history row of this load ("import:12")."""
        return f"{HISTORY_REASON_PREFIX}{self.pk}"

    @property
    def undo_reason(self) -> str:
        """Return the change reason written on every history row of this load's undo ("undo:12")."""
        return f"{UNDO_REASON_PREFIX}{self.pk}"

    def history(self, model) -> models.QuerySet:
        """Return the history rows this load wrote for ``model`` (a model tracked by simple-history)."""
        return model.history.filter(history_change_reason=self.history_reason)

    @property
    def is_active(self) -> bool:
        """Return whether a job of the batch is waiting or running (its page then follows its progress)."""
        return self.job_state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def percent(self) -> int | None:
        """Return the share of rows read and checked, 0–100; None while writing (no measure: one statement)."""
        if self.stage in (JobStage.WRITING, JobStage.REPORTING, JobStage.UNDOING):
            return None
        if self.stage == JobStage.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportRow(models.Model):
    """One data row of a batch's file as the last job read it: its status, changes and errors."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="report_rows", verbose_name=_("lần nhập"))
    line = models.PositiveIntegerField(_("dòng"))
    status = models.CharField(_("kết quả"), max_length=12)
    key = models.CharField(_("khóa"), max_length=255, blank=True)
    label = models.CharField(_("tên"), max_length=255, blank=True)
    # [[column, stored value, value in the file]] of an updated row.
    changes = models.JSONField(_("thay đổi"), default=list, blank=True)
    # [[column, value, reason]] of a row with errors.
    errors = models.JSONField(_("lỗi"), default=list, blank=True)

    class Meta:
        verbose_name = _("dòng của lần nhập")
        verbose_name_plural = _("dòng của lần nhập")
        ordering = ["batch_id", "line"]
        indexes = [models.Index(fields=["batch", "status", "line"], name="import_row_batch_status")]

    def __str__(self):
        return f"{self.batch_id}:{self.line} {self.status}"
