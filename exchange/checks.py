"""Start-up checks of the import: XML from uploaded workbooks is never parsed with entity expansion.

The product's own XLSX reader (``exchange.xlsx``) refuses any DOCTYPE itself; openpyxl, which writes the
templates and reads workbooks elsewhere (tests, tools), must parse through defusedxml. Both are checked
when Django starts (``manage.py check``, ``runserver``, ``migrate``), so a deployment missing defusedxml
fails loudly instead of silently accepting "billion laughs" workbooks.
"""

import importlib

from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_defused_xml(app_configs=None, **kwargs):
    """Return an error when defusedxml is missing or openpyxl would not use it."""
    try:
        importlib.import_module("defusedxml")
    except ImportError:
        return [
            Error(
                "defusedxml is not installed: workbooks would be parsed with XML entity expansion.",
                hint="pip install defusedxml (it is a dependency in pyproject.toml).",
                id="exchange.E001",
            )
        ]
    openpyxl_xml = importlib.import_module("openpyxl.xml")
    if not getattr(openpyxl_xml, "DEFUSEDXML", False):
        return [
            Error(
                "openpyxl does not use defusedxml (is OPENPYXL_DEFUSEDXML set to something else than True?).",
                hint="Unset OPENPYXL_DEFUSEDXML before starting the product.",
                id="exchange.E002",
            )
        ]
    return []
