"""Session lifetime (RELIABILITY.md R7) and no caching of signed-in pages (R10).

Session lifetime: an idle session ends after ZHIBU_SESSION_IDLE_SECONDS, any session after
ZHIBU_SESSION_SECONDS from login. The last-seen time is written at most once a minute, not on every request."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .audit import audit_record

LOGIN_AT_KEY = "zhibu_login_at"
SEEN_AT_KEY = "zhibu_seen_at"
SEEN_RESOLUTION_SECONDS = 60


def session_start(request: HttpRequest) -> None:
    now = timezone.now().timestamp()
    request.session[LOGIN_AT_KEY] = now
    request.session[SEEN_AT_KEY] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = timezone.now().timestamp()
        login_at = request.session.get(LOGIN_AT_KEY)
        seen_at = request.session.get(SEEN_AT_KEY)
        if login_at is None or seen_at is None:
            session_start(request)
            return
        idle = now - seen_at > settings.ZHIBU_SESSION_IDLE_SECONDS
        if idle or now - login_at > settings.SESSION_COOKIE_AGE:
            user = request.user
            # Recorded once, as a timeout rather than as a logout by the user.
            request.zhibu_session_expired = True
            logout(request)
            audit_record(
                actor=user, action="auth.session_expired", obj=None, data={"reason": "idle" if idle else "absolute"}
            )
        elif now - seen_at >= SEEN_RESOLUTION_SECONDS:
            request.session[SEEN_AT_KEY] = now


class NoStoreMiddleware:
    """Pages seen signed in hold personnel data: no browser or proxy may keep a copy (RELIABILITY.md R10,
    ASVS 14.3.2). Static files are served before this by WhiteNoise and keep their long cache headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
