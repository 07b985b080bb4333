"""Year-end sign-off of a unit's figures (issue #13): approvals up the tree, their frozen figures, and the
time-limited exceptions that let a correction into an approved year.

- ``YearApproval``: one programme year of one unit; its ``status`` says how far up the tree it has gone
  (approved by the unit's leader, accepted by the parent's leader, accepted by the city) or that it was
  returned. While it is not returned, nothing that would change the unit's figures of that year can be
  written (``approvals.locks``). ``figures`` is the frozen copy shown instead of the live figures.
- ``ApprovalStep``: every step (who, when, what, why) with the figures as they stood then.
- ``BulkApproval``: one action of a city admin approving many units and years at once (audit).
- ``LockException``: a unit's year opened for corrections until a moment, granted by a higher level.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    APPROVED = "approved", _("Đơn vị đã phê duyệt")
    ACCEPTED = "accepted", _("Cấp trên đã chấp nhận")
    FINAL = "final", _("Thành phố đã chấp nhận")
    RETURNED = "returned", _("Đã trả lại")


LOCKING = (Status.APPROVED, Status.ACCEPTED, Status.FINAL)


class Action(models.TextChoices):
    APPROVE = "approve", _("Phê duyệt")
    ACCEPT = "accept", _("Chấp nhận")
    RETURN = "return", _("Trả lại")


class Level(models.TextChoices):
    UNIT = "unit", _("Đơn vị")
    PARENT = "parent", _("Cấp trên trực tiếp")
    CITY = "city", _("Thành phố")


class YearApprovalQuerySet(models.QuerySet):
    def locking(self) -> "YearApprovalQuerySet":
        """Return the approvals that lock their unit's year (not returned)."""
        return self.filter(status__in=LOCKING)


class YearApproval(models.Model):
    programme = models.ForeignKey("targets.Programme", models.CASCADE, related_name="+", verbose_name=_("chương trình"))
    unit = models.ForeignKey("personnel.OrgUnit", models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người phê duyệt")
    )
    approved_at = models.DateTimeField(_("lúc phê duyệt"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người chấp nhận"),
    )
    accepted_at = models.DateTimeField(_("lúc chấp nhận"), null=True, blank=True)
    # The frozen figures shown for this unit and year: {view: {"as_of": iso date, "indicators": [...]}}.
    figures = models.JSONField(default=dict)
    # The persons counted: {view: {indicator code: {"n": [ids], "d": [ids], "of": "person"|"appointment"}}}.
    persons = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = YearApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("phê duyệt số liệu năm")
        verbose_name_plural = _("phê duyệt số liệu năm")
        ordering = ["programme", "year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["programme", "unit", "year"], name="approval_once_per_year")]
        indexes = [models.Index(fields=["year", "status"], name="approval_year_status")]

    def __str__(self):
        return f"{self.programme_id} {self.unit_id} {self.year}: {self.status}"

    @property
    def locks(self) -> bool:
        return self.status in LOCKING


class BulkApproval(models.Model):
    """One action approving many units and years at once (audit)."""

    programme = models.ForeignKey("targets.Programme", models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    years = models.JSONField(default=list)
    unit_count = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("phê duyệt hàng loạt")
        verbose_name_plural = _("phê duyệt hàng loạt")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.programme_id} {self.years} ({self.approved})"


class ApprovalStep(models.Model):
    approval = models.ForeignKey(YearApproval, models.CASCADE, related_name="steps")
    action = models.CharField(_("thao tác"), max_length=16, choices=Action.choices)
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người thực hiện")
    )
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    reason = models.TextField(_("lý do"), blank=True)
    figures = models.JSONField(default=dict, blank=True)
    batch = models.ForeignKey(BulkApproval, models.SET_NULL, null=True, blank=True, related_name="steps")

    class Meta:
        verbose_name = _("bước phê duyệt")
        verbose_name_plural = _("bước phê duyệt")
        ordering = ["approval", "at", "pk"]

    def __str__(self):
        return f"{self.approval_id} {self.action} {self.at:%d/%m/%Y %H:%M}"


class LockException(models.Model):
    """A unit's year opened for corrections until ``until`` (the unit and every unit below it)."""

    unit = models.ForeignKey("personnel.OrgUnit", models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    until = models.DateTimeField(_("hiệu lực đến"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người cho phép")
    )
    granted_at = models.DateTimeField(_("lúc cho phép"), default=timezone.now)
    revoked_at = models.DateTimeField(_("lúc thu hồi"), null=True, blank=True)

    class Meta:
        verbose_name = _("ngoại lệ sửa số liệu đã phê duyệt")
        verbose_name_plural = _("ngoại lệ sửa số liệu đã phê duyệt")
        ordering = ["-granted_at"]

    def __str__(self):
        return f"{self.unit_id} {self.year} → {self.until:%d/%m/%Y %H:%M}"


def active_exceptions_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(until__gt=now, revoked_at__isnull=True)


class ExceptionUse(models.Model):
    """A write let through by an exception (audit): which record, by whom, when."""

    exception = models.ForeignKey(LockException, models.CASCADE, related_name="uses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    what = models.CharField(max_length=255)
    person_id = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.exception_id}: {self.what}"
