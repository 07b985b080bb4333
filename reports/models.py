"""Stored compliance figures, so that a dashboard is served without evaluating the city on each request.

``reports.freshness`` computes the figures of every unit of the city at once (one call of
``targets.compliance.evaluate_subtree``) and keeps them here, one row per unit, labelled with the data
version they were computed from; the label tells whether they are still current.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeCounter(models.Model):
    """A number raised after every committed write to the data the figures depend on (one row)."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm thay đổi dữ liệu")
        verbose_name_plural = _("bộ đếm thay đổi dữ liệu")

    def __str__(self):
        return str(self.value)


class StoredFigures(models.Model):
    """One unit's figures (over its whole subtree) for a programme, a year and an evaluation date.

    Rows come in runs: one evaluation of a whole tree writes one row per unit, all with the same
    ``run`` token, ``version`` and ``computed_at``. ``figures`` holds, per indicator code,
    ``[numerator, denominator, percent, met, gap, target]`` exactly as the engine returned them
    (percent and target as strings, so that no decimal is rounded on the way).
    """

    programme = models.ForeignKey("targets.Programme", models.CASCADE, related_name="+")
    root_id = models.BigIntegerField(_("đơn vị gốc"))
    year = models.PositiveSmallIntegerField(_("năm"))
    as_of = models.DateField(_("ngày xét"))
    version = models.CharField(_("phiên bản dữ liệu"), max_length=255)
    run = models.CharField(max_length=32)
    computed_at = models.DateTimeField(_("thời điểm tính"))
    duration = models.FloatField(_("thời gian tính (giây)"))
    unit_id = models.BigIntegerField()
    parent_id = models.BigIntegerField(null=True, blank=True)
    unit_code = models.CharField(max_length=40)
    unit_name = models.CharField(max_length=255)
    unit_level = models.CharField(max_length=16)
    unit_path = models.CharField(max_length=255)
    figures = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("số liệu đã tính")
        verbose_name_plural = _("số liệu đã tính")
        constraints = [
            models.UniqueConstraint(fields=["run", "unit_id"], name="stored_figures_one_row_per_unit_and_run"),
        ]
        indexes = [
            models.Index(fields=["programme", "year", "unit_id"], name="stored_figures_unit"),
            models.Index(fields=["programme", "year", "parent_id"], name="stored_figures_children"),
        ]

    def __str__(self):
        return f"{self.unit_code} {self.year} ({self.version})"
