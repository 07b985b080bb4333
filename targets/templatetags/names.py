"""``{{ obj|localized_name }}``, ``{{ result|indicator_name }}``: a name in the active language."""

from django import template

from core.names import localized_name as _localized_name
from targets.models import indicator_name as _indicator_name

register = template.Library()


@register.filter
def localized_name(obj) -> str:
    """Return the row's English name on English pages (when it has one), else its Vietnamese name."""
    return _localized_name(obj) if obj is not None else ""


@register.filter
def indicator_name(result) -> str:
    """Return an indicator result's name in the active language (targets.models.indicator_name)."""
    return _indicator_name(result)
