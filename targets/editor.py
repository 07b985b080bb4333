"""The programme editor's writes and its preview: create or duplicate a programme, change its period, add,
change or delete its indicators (keyword-only services, audited), and the figures of one indicator for the
city while it is being edited.

Rules of the editor, on top of ``Indicator.clean``:

- A target is a percentage from 0 to 100.
- An indicator must say whom it counts. A person indicator whose population sets no filter at all
  (no category, no unit level, no leadership level, no BTV flag, no deputy term, no age limit) would count
  every cadre of the city and is refused: the admin picks at least one filter (every category when that is
  what they mean). Two kinds carry their population in themselves and need no filter: ``job_position``
  (the persons whose assignment names a job position) and ``appointment`` (the appointments of the kinds
  it lists).
- A programme's code is unique; its end date is after its start date.

Every write is audited (``hanoi.audit``) and leaves a history row (django-simple-history). A write touches
only the programme edited: stored figures are keyed by programme (``reports.freshness``), so another
programme's figures are not changed by it.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.codes import clean_code

from . import compliance
from .models import Indicator, IndicatorKind, Programme
from .years import begun_years

logger = logging.getLogger("hanoi.audit")

# The kinds whose population is stated by the kind itself.
SELF_POPULATED = (IndicatorKind.JOB_POSITION, IndicatorKind.APPOINTMENT)


def _audit(by, action: str, programme: Programme, detail: str = "") -> None:
    username = by.get_username() if by is not None else "-"
    logger.info(
        "programme %s by=%s programme=%s %s at=%s",
        action,
        username,
        programme.code,
        detail,
        timezone.now().isoformat(),
        extra={"event": f"programme_{action}", "username": username, "programme": programme.code},
    )


def has_population_filter(indicator: Indicator) -> bool:
    """Return whether the indicator's population sets at least one filter."""
    return bool(
        indicator.categories
        or indicator.unit_level
        or indicator.min_leadership_level is not None
        or indicator.requires_btv_managed
        or indicator.requires_btv_succession
        or indicator.deputy_term
        or indicator.max_age is not None
    )


def population_error(indicator: Indicator) -> str | None:
    """Return why the indicator says nobody it counts (None when its population is stated)."""
    if indicator.kind in SELF_POPULATED or has_population_filter(indicator):
        return None
    return _(
        "Chỉ tiêu «%(code)s» chưa có đối tượng tính: chọn ít nhất một đối tượng, cấp đơn vị, cấp chức vụ, "
        "diện BTV, nhiệm kỳ HĐND hoặc giới hạn tuổi."
    ) % {"code": indicator.code or "?"}


def indicator_errors(indicator: Indicator) -> dict[str, list[str]]:
    """Return the editor's errors of an (unsaved) indicator, by field; empty when it may be saved."""
    errors: dict[str, list[str]] = {}
    try:
        indicator.full_clean(exclude=["programme"] if indicator.programme_id is None else None)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    target = indicator.target
    if target is not None:
        try:
            value = Decimal(str(target))
        except ArithmeticError:
            value = None
        if value is None or not Decimal(0) <= value <= Decimal(100):
            errors["target"] = [_("Chỉ tiêu (%%) phải từ 0 đến 100; đã nhập «%(value)s».") % {"value": target}]
    if message := population_error(indicator):
        errors.setdefault(NON_FIELD_ERRORS, []).append(message)
    if indicator.warning_days and (indicator.kind != IndicatorKind.RECURRING or not indicator.recurring_years):
        errors.setdefault("warning_days", []).append(_("Cảnh báo trước chỉ dùng cho chỉ tiêu định kỳ có số năm."))
    return errors


def _check_period(start_date: datetime.date | None, end_date: datetime.date | None) -> None:
    if start_date is None or end_date is None:
        raise ValidationError({"start_date": _("Cần ngày bắt đầu và ngày kết thúc của chương trình.")})
    if end_date < start_date:
        raise ValidationError(
            {
                "end_date": _("Ngày kết thúc %(end)s phải sau ngày bắt đầu %(start)s.")
                % {"end": f"{end_date:%d/%m/%Y}", "start": f"{start_date:%d/%m/%Y}"}
            }
        )


def _check_code(code: str, exclude_pk=None) -> str:
    code = clean_code(code)
    taken = Programme.objects.filter(code__iexact=code)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"code": _("Mã chương trình «%(code)s» đã được dùng.") % {"code": code}})
    return code


@transaction.atomic
def create_programme(
    *, by, code: str, name: str, name_en: str = "", start_date: datetime.date, end_date: datetime.date
) -> Programme:
    """Create an empty programme; refuse a taken code or a period that ends before it starts."""
    _check_period(start_date, end_date)
    programme = Programme(code=_check_code(code), name=name, name_en=name_en, start_date=start_date, end_date=end_date)
    programme.full_clean()
    programme.save()
    _audit(by, "create", programme)
    return programme


@transaction.atomic
def update_programme(
    *, by, programme: Programme, name: str, name_en: str = "", start_date: datetime.date, end_date: datetime.date
) -> Programme:
    """Change a programme's names and period."""
    _check_period(start_date, end_date)
    programme.name, programme.name_en = name, name_en
    programme.start_date, programme.end_date = start_date, end_date
    programme.full_clean()
    programme.save()
    _audit(by, "update", programme, f"start={start_date} end={end_date}")
    return programme


@transaction.atomic
def duplicate_programme(
    *,
    by,
    source: Programme,
    code: str,
    name: str,
    name_en: str = "",
    start_date: datetime.date,
    end_date: datetime.date,
) -> Programme:
    """Create a programme with a copy of every indicator of ``source`` (the source is not changed)."""
    programme = create_programme(by=by, code=code, name=name, name_en=name_en, start_date=start_date, end_date=end_date)
    copies = []
    for indicator in source.indicators.order_by("order", "code"):
        indicator.pk = None
        indicator.id = None
        indicator.programme = programme
        copies.append(indicator)
    for indicator in copies:
        indicator.save()
    _audit(by, "duplicate", programme, f"source={source.code} indicators={len(copies)}")
    return programme


@transaction.atomic
def save_indicator(*, by, indicator: Indicator) -> Indicator:
    """Create or change an indicator after the editor's checks; refuse with every error and write nothing."""
    if indicator.code:
        indicator.code = clean_code(indicator.code)
    errors = indicator_errors(indicator)
    if errors:
        raise ValidationError(errors)
    created = indicator.pk is None
    indicator.save()
    _audit(
        by, "indicator_create" if created else "indicator_update", indicator.programme, f"indicator={indicator.code}"
    )
    return indicator


@transaction.atomic
def delete_indicator(*, by, indicator: Indicator) -> None:
    """Delete an indicator of a programme."""
    programme, code = indicator.programme, indicator.code
    indicator.delete()
    _audit(by, "indicator_delete", programme, f"indicator={code}")


def preview_year(programme: Programme) -> int:
    """Return the year a preview evaluates: the programme's latest begun year (this year if none has begun)."""
    years = begun_years(programme)
    return years[-1] if years else timezone.localdate().year


def preview(programme: Programme, indicator: Indicator):
    """Return (year, T, result) of one unsaved indicator over the whole city, in view ``today``."""
    year = preview_year(programme)
    year, at = compliance.evaluation_date(programme, year=year)
    city = compliance._root(None)
    counts = compliance.direct_counts(programme, [indicator], city, year, at)
    numerator = sum(by_code.get(indicator.code, (0, 0))[0] for by_code in counts.values())
    denominator = sum(by_code.get(indicator.code, (0, 0))[1] for by_code in counts.values())
    return year, at, compliance.result_for(indicator, numerator, denominator)
