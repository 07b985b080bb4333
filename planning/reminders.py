"""Weekly reminders for HR officers: the persons of their scope still missing an annual target (with the days
left in the year) and the classes starting soon with empty places. ``send_reminders`` sends each user one
e-mail per week at most (logged in ``ReminderLog``); nobody receives another unit's names."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.scoping import scope_unit, visible_persons
from targets import compliance
from targets.models import IndicatorKind, Programme

from .models import ReminderLog
from .selectors import roster_counts, visible_rosters

SOON_DAYS = 14
NAMES_PER_INDICATOR = 200


@dataclass
class MissingTarget:
    code: str
    name: str
    persons: list
    count: int


@dataclass
class Reminder:
    today: datetime.date
    days_left: int
    missing: list[MissingTarget] = field(default_factory=list)
    classes: list = field(default_factory=list)

    @property
    def persons(self) -> int:
        return sum(m.count for m in self.missing)

    @property
    def empty(self) -> bool:
        return not self.persons and not self.classes


def period_start(day: datetime.date) -> datetime.date:
    """Return the Monday of ``day``'s week: the period a reminder is sent once in."""
    return day - datetime.timedelta(days=day.weekday())


def reminder_for(user, *, today: datetime.date | None = None) -> Reminder:
    """Return what ``user`` should be reminded of, read only inside their scope."""
    today = today or timezone.localdate()
    reminder = Reminder(today=today, days_left=(datetime.date(today.year, 12, 31) - today).days)
    unit = scope_unit(user)
    programme = Programme.objects.default()
    if unit is None or programme is None:
        return reminder
    _programme, indicators = compliance.load(programme)
    scope = visible_persons(user)
    for indicator in indicators:
        if indicator.kind != IndicatorKind.ANNUAL:
            continue
        rows = compliance.unmet(programme, indicator, unit, year=today.year).filter(pk__in=scope.values("pk"))
        names = list(rows[:NAMES_PER_INDICATOR])
        if names:
            count = len(names) if len(names) < NAMES_PER_INDICATOR else rows.count()
            reminder.missing.append(MissingTarget(indicator.code, indicator.name, names, count))
    reminder.classes = list(
        roster_counts(visible_rosters(user))
        .filter(course__start_date__gte=today, course__start_date__lte=today + datetime.timedelta(days=SOON_DAYS))
        .filter(seated__lt=F("capacity"))
        .select_related("course", "unit")
        .order_by("course__start_date", "course__code")
    )
    for roster in reminder.classes:
        roster.free = roster.capacity - roster.seated
    return reminder


def recipients():
    """Return the active HR officers with a unit and an e-mail address."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.HR, unit__isnull=False)
        .exclude(email="")
        .select_related("unit")
        .distinct()
        .order_by("pk")
    )


def send_reminder(user, *, today: datetime.date | None = None) -> ReminderLog | None:
    """Send ``user`` this week's reminder unless they already had it (or there is nothing to say); log it."""
    today = today or timezone.localdate()
    period = period_start(today)
    if ReminderLog.objects.filter(user=user, period_start=period).exists():
        return None
    reminder = reminder_for(user, today=today)
    if reminder.empty:
        return None
    with translation.override("vi"):
        subject = _("Nhắc việc đào tạo tuần %(date)s") % {"date": period.strftime("%d/%m/%Y")}
        body = render_to_string("planning/reminder_email.txt", {"reminder": reminder, "user": user})
    try:
        with transaction.atomic():
            # The log row is the lock: a second run of the same week cannot insert it, so sends nothing.
            log = ReminderLog.objects.create(
                user=user,
                period_start=period,
                email=user.email,
                persons=reminder.persons,
                classes=len(reminder.classes),
            )
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except IntegrityError:
        return None
    return log


def send_reminders(*, today: datetime.date | None = None) -> list[ReminderLog]:
    """Send this week's reminders to every HR officer who has not had them yet."""
    return [log for user in recipients() if (log := send_reminder(user, today=today)) is not None]
