"""Password spraying: django-axes counts failed logins per (user name, address) and per address across accounts.

Named by ``AXES_HANDLER`` in config/settings.py (kept apart from config/security.py, which the settings import).
"""

from axes.handlers.database import AxesDatabaseHandler


def address_failure_limit() -> int:
    """Return how many failed logins one address may make, over all user names, within the cool-off time."""
    from django.conf import settings

    return settings.AXES_ADDRESS_FAILURE_LIMIT


class LoginProtectionHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits: per (user name, address), and per address across accounts.

    ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]`` makes axes count both (its documented
    way: the client is locked when any of the parameter sets reaches the limit), but axes has one
    ``AXES_FAILURE_LIMIT`` for all of them, and five failures per address would lock a whole office behind one NAT
    address. So the address count is scaled: it reaches ``AXES_FAILURE_LIMIT`` exactly when the address has
    ``AXES_ADDRESS_FAILURE_LIMIT`` failures. A successful login resets only its own (user name, address) count: one
    login to the sprayer's own account must not wipe the address's count.
    """

    def get_failures(self, request, credentials=None) -> int:
        from django.conf import settings
        from django.db.models import Sum

        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        if not counts:
            return 0
        pair, *by_address = counts
        scaled = [count * settings.AXES_FAILURE_LIMIT // address_failure_limit() for count in by_address]
        return max([pair, *scaled])

    def reset_user_attempts(self, request, credentials=None) -> int:
        attempts = self.filter_user_attempts(request, credentials)
        if not attempts:
            return 0
        count, _ = attempts[0].delete()  # the (user name, address) pair only
        return count
