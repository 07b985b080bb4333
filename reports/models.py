"""Stored compliance figures, so that a dashboard is served without evaluating the city on each request.

``reports.freshness`` computes the figures of every unit of the city at once (one call of
``targets.compliance.evaluate_subtree``) and keeps them here, one row per unit, labelled with the data
version they were computed from; the label tells whether they are still current. Database triggers
(``reports.triggers``) note which units a change touches (``DirtyUnit``), so that the figures can be
brought up to date unit by unit (``TrackedYear``, ``PendingUnit``).
"""

from django.db import models
from django.utils import timezone
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
    (percent and target as strings, so that no decimal is rounded on the way). ``direct`` holds, per
    indicator code, ``[numerator, denominator]`` of the persons sitting directly in the unit: a unit's
    figures are the sums of the direct counts of its subtree, so a run is updated unit by unit from them.
    ``duration`` is how long the last evaluation of the whole tree took, ``update_seconds`` how long the
    last update unit by unit took (0: none yet).
    """

    programme = models.ForeignKey("targets.Programme", models.CASCADE, related_name="+")
    root_id = models.BigIntegerField(_("đơn vị gốc"))
    year = models.PositiveSmallIntegerField(_("năm"))
    view = models.CharField(_("cách xem"), max_length=8, default="today")
    as_of = models.DateField(_("ngày xét"))
    # The unit's own evaluation date (view ``then``: the day before it closed, when it closed that year).
    unit_as_of = models.DateField(_("ngày xét của đơn vị"), null=True, blank=True)
    unit_closed_on = models.DateField(null=True, blank=True)
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
    direct = models.JSONField(default=dict)
    update_seconds = models.FloatField(_("thời gian cập nhật (giây)"), default=0.0)

    class Meta:
        verbose_name = _("số liệu đã tính")
        verbose_name_plural = _("số liệu đã tính")
        constraints = [
            models.UniqueConstraint(fields=["run", "unit_id"], name="stored_figures_one_row_per_unit_and_run"),
        ]
        indexes = [
            models.Index(fields=["programme", "year", "view", "unit_id"], name="stored_figures_view_unit"),
            models.Index(fields=["programme", "year", "view", "parent_id"], name="stored_figures_view_children"),
        ]

    def __str__(self):
        return f"{self.unit_code} {self.year} ({self.version})"


class DirtyUnit(models.Model):
    """A unit whose persons' data changed, written by a database trigger in the same transaction as the change.

    ``unit_id`` names the unit (a change to assignments names their units and heir units). A change to a
    person or their records names the person (``person_id``); every unit of their assignments, and those
    units' heirs, is looked up when the row is read. Neither set: something every unit depends on changed (a
    unit, a course or its types, the programme or an indicator). ``reports.freshness.collect_changes``
    hands the rows on to every ``TrackedYear`` and deletes them.
    """

    unit_id = models.BigIntegerField(null=True, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # Handed on already. The newest note is kept (collected) rather than deleted: its id is part of the data
    # version, which must not move when the notes are collected, nor go back (SQLite reuses the ids of
    # deleted rows at the end of a table).
    collected = models.BooleanField(default=False, db_default=False)

    class Meta:
        verbose_name = _("đơn vị có dữ liệu thay đổi")
        verbose_name_plural = _("đơn vị có dữ liệu thay đổi")

    def __str__(self):
        return f"{self.unit_id or '-'}/{self.person_id or '-'}"


class TrackedYear(models.Model):
    """A programme's year over one tree whose figures are stored, and so must be told of every change."""

    programme = models.ForeignKey("targets.Programme", models.CASCADE, related_name="+")
    root_id = models.BigIntegerField(_("đơn vị gốc"))
    year = models.PositiveSmallIntegerField(_("năm"))
    view = models.CharField(_("cách xem"), max_length=8, default="today")

    class Meta:
        verbose_name = _("năm có số liệu lưu")
        verbose_name_plural = _("năm có số liệu lưu")
        constraints = [
            models.UniqueConstraint(fields=["programme", "root_id", "year", "view"], name="tracked_year_view_once"),
        ]

    def __str__(self):
        return f"{self.programme_id}/{self.root_id}/{self.year}"


class PendingUnit(models.Model):
    """A unit whose direct counts a tracked year has yet to recompute (no unit: every unit)."""

    tracked = models.ForeignKey(TrackedYear, models.CASCADE, related_name="pending")
    unit_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("đơn vị chờ tính lại")
        verbose_name_plural = _("đơn vị chờ tính lại")

    def __str__(self):
        return f"{self.tracked_id}: {self.unit_id or '*'}"
