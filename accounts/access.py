"""The access log of personal data: every view of a person's page and every export, one row per request.

Views call ``record_access`` once, after the scope check and before the response is sent (a streamed
export is recorded when it starts). It writes one INSERT and reads nothing: the user, the target and
its unit are already in memory.
"""

import ipaddress

from config.security import client_ip
from personnel.models import OrgUnit, Person

from .models import AccessAction, AccessLog

# A query string is stored as the filters of an entry; these bounds keep a forged one from bloating the log.
MAX_FILTERS = 20
MAX_FILTER_TEXT = 200


def _text(value, limit: int) -> str:
    return str(value)[:limit]


def request_filters(params) -> dict:
    """Return a request's query parameters as a small JSON object (one value, or a list of several)."""
    filters = {}
    for key in list(params.keys())[:MAX_FILTERS]:
        values = [_text(value, MAX_FILTER_TEXT) for value in params.getlist(key)[:MAX_FILTERS]]
        filters[_text(key, MAX_FILTER_TEXT)] = values[0] if len(values) == 1 else values
    return filters


def _describe(target) -> str:
    """Return what an entry names: a person's code, or the given text (an export's file name)."""
    if isinstance(target, Person):
        return _text(target.code, 255)
    return _text(target, 255)


def _unit_code(unit, target) -> str:
    """Return the code of the unit concerned: the one given, else the person's (when already loaded)."""
    if unit is None and isinstance(target, Person) and Person.unit.is_cached(target):
        unit = target.unit
    if isinstance(unit, OrgUnit):
        return unit.code
    return _text(unit or "", 64)


def _address(request) -> str | None:
    """Return the client's address, or None when it is not an IP address (a forged X-Forwarded-For)."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def record_access(
    *, user, action: AccessAction, target, request, unit=None, filters: dict | None = None, persons: int | None = None
) -> AccessLog:
    """Record that ``user`` did ``action`` on ``target`` (a person or a description) during ``request``.

    ``unit`` is the unit the data came from (default: the person's), ``filters`` what was chosen (default:
    the request's query parameters), ``persons`` how many persons a list or search returned.
    """
    authenticated = getattr(user, "is_authenticated", False)
    return AccessLog.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        target=_describe(target),
        unit=_unit_code(unit, target),
        filters=filters if filters is not None else request_filters(request.GET),
        address=_address(request),
        persons=persons,
    )


def record_list_access(*, user, action: AccessAction, request, persons: int, unit=None) -> AccessLog:
    """Record a list or search that showed personal data: who, which filters (the query string), how many persons.

    One INSERT, like an export; the target names the list's address.
    """
    return record_access(user=user, action=action, target=request.path, request=request, unit=unit, persons=persons)
