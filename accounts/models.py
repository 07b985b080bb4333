"""Users of the product: every user belongs to a unit, and sees that unit and the units below it."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    unit = models.ForeignKey(
        "personnel.OrgUnit", models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("đơn vị")
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
