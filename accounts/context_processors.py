"""What every page's menu needs to know about the user."""

from . import mfa


def navigation(request) -> dict:
    """Return ``can_import``: whether the menu shows "Nhập dữ liệu".

    Importers are exactly the accounts that need the second factor (``accounts.mfa``: the import
    permission, or a superuser), decided once per session; asking ``perms`` in the template instead cost
    two permission queries on every page. The import pages still check the permission itself.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_import": False}
    return {"can_import": mfa.session_needs_mfa(request)}
