"""End sessions that have been idle too long or have lasted too long since login."""

import time

from django.conf import settings
from django.contrib.auth import logout

from .roles import note_session_role

# Session keys: when the user logged in, and when they were last seen (Unix seconds).
LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"
# Record activity at most this often, so a user browsing quickly does not write the session on every request.
TOUCH_EVERY = 60


def start_session_clock(session) -> None:
    """Record in ``session`` that its user logged in now."""
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """Log the user out after ``SESSION_IDLE_TIMEOUT`` seconds idle or ``SESSION_ABSOLUTE_TIMEOUT`` after login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request) -> None:
        """Log the request's user out if their session has expired; otherwise note the activity."""
        session = request.session
        now = int(time.time())
        login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            # A session from before this middleware (or a test's force_login): start its clock now.
            start_session_clock(session)
            return
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            logout(request)  # flushes the session; the view then sees an anonymous user and asks for a login
            return
        if now - seen_at >= TOUCH_EVERY:
            session[SEEN_AT] = now


class SessionRoleMiddleware:
    """Let the logged-in user of each request carry the role their session keeps (``accounts.roles``): role and
    scope checks then read no group (after ``SessionTimeoutMiddleware``, which may log the user out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        note_session_role(request)
        return self.get_response(request)
