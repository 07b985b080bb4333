"""The scoping rule (``accounts.scoping``) applied to courses and training records: a user sees the training
records of the persons they see, and changes the courses their subtree runs.

Screens, exports, imports and the API all call these functions; none filters by unit on its own.
"""

from django.db.models import QuerySet

from accounts.roles import Role, role_of
from accounts.scoping import sees_whole_city, visible_persons

from .models import Course, TrainingRecord


def changeable_courses(user) -> QuerySet:
    """Return the courses the user may change: every course for admins; for HR, those their subtree runs.

    Courses are read by everyone (any unit's persons may attend any course); a course with no unit belongs
    to the whole city, so only admins change it.
    """
    if role_of(user) == Role.ADMIN:
        return Course.objects.all()
    if role_of(user) != Role.HR or not getattr(user, "unit_id", None):
        return Course.objects.none()
    return Course.objects.filter(unit__path__startswith=user.unit.path)


def can_change_course(user, course) -> bool:
    """Return whether the user may change ``course`` (``changeable_courses``), in memory (load ``course.unit``)."""
    if role_of(user) == Role.ADMIN:
        return True
    if role_of(user) != Role.HR or not getattr(user, "unit_id", None) or course.unit_id is None:
        return False
    return course.unit.is_within(user.unit)


def course_used_outside_scope(user, course) -> bool:
    """Return whether training records of persons outside the user's scope use ``course`` (never for admins).

    Such a course may not be deleted by the user, nor changed in what those records mean (``training.services``).
    """
    if role_of(user) == Role.ADMIN or sees_whole_city(user):
        return False
    return visible_training_records_outside(user).filter(course_id=course.pk).exists()


def visible_training_records_outside(user) -> QuerySet:
    """Return the training records of persons the user may not see."""
    return TrainingRecord.objects.exclude(person__in=visible_persons(user).values("pk"))


def visible_training_records(user) -> QuerySet:
    """Return the training records the user may see."""
    return TrainingRecord.objects.filter(person__in=visible_persons(user).values("pk"))
