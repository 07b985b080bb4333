from django.apps import AppConfig


class HrConfig(AppConfig):
    """The HR screens (no models: they show those of personnel, training and targets)."""

    name = "hr"
