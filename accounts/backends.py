"""How a logged-in user is read on each request."""

from django.contrib.auth import backends, get_user_model


class UserWithUnit:
    """Read the user together with their unit: nearly every page asks for it (scope, menus, defaults)."""

    def get_user(self, user_id):
        """Return the active user with ``user_id`` and their unit, in one query, or None."""
        try:
            user = get_user_model()._default_manager.select_related("unit").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(UserWithUnit, backends.ModelBackend):
    """Django's username and password backend, reading the user's unit with the user."""
