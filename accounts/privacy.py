"""The one rule on citizen ID numbers (số CCCD): who sees them in full, and how everyone else sees them.

Decision: admins and HR officers see a citizen ID in full, because they are the ones who enter and
correct it; an HR officer only ever sees the persons of their own unit's subtree (``accounts.scoping``),
so "HR" here means "HR of the person's unit". Leaders and city-wide viewers read dashboards, lists and
exports to follow training, which never needs the number: they see it masked, with the first three digits
(the province of birth code) and the last two kept, e.g. ``001*******89``.

Every place a citizen ID leaves the server (the personnel list and a person's page, the import preview
and failed-rows download, the API) calls this module; none masks on its own. The compliance exports and
drill-down lists of ``reports`` carry no citizen ID at all, and a test keeps it that way.
"""

from accounts.roles import Role, role_of

# Roles that see citizen IDs in full.
FULL_CITIZEN_ID_ROLES = frozenset({Role.ADMIN, Role.HR})
# Digits kept at each end of a masked citizen ID: the province code, and the last two.
KEPT_HEAD = 3
KEPT_TAIL = 2
MASK = "*"


def role_sees_full_citizen_id(role: str | None) -> bool:
    """Return whether users of ``role`` see citizen IDs in full."""
    return role in FULL_CITIZEN_ID_ROLES


def sees_full_citizen_id(user) -> bool:
    """Return whether ``user`` sees citizen IDs in full (admins and HR officers)."""
    return role_sees_full_citizen_id(role_of(user))


def mask_citizen_id(value: str | None) -> str:
    """Return a citizen ID with only its province code and last two digits shown ("001*******89")."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= KEPT_HEAD + KEPT_TAIL:  # not a real citizen ID: show none of it
        return MASK * len(value)
    return value[:KEPT_HEAD] + MASK * (len(value) - KEPT_HEAD - KEPT_TAIL) + value[-KEPT_TAIL:]


def shown_citizen_id(value: str | None, *, full: bool) -> str:
    """Return a citizen ID as a reader sees it: in full when ``full``, else masked ("" when there is none)."""
    if not value:
        return ""
    return str(value) if full else mask_citizen_id(value)
