from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks with no models; an app only for its commands (``backup_db``, ``restore_db``)."""

    name = "core"
