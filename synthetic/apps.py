from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """The demo data (``manage.py seed_demo``); no models. The benchmark's city is built from the same modules."""

    name = "synthetic"
