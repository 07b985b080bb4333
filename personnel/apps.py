from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = _("Nhân sự")

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
