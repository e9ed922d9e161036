"""Session lifetime (RELIABILITY.md R7), no caching of signed-in pages (R10), and the audit context of a request
(R22: the client address on every audit row; refused requests recorded).

Session lifetime: an idle session ends after ZHIBU_SESSION_IDLE_SECONDS, any session after
ZHIBU_SESSION_SECONDS from login. The last-seen time is written at most once a minute, not on every request."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .audit import audit_client_ip, audit_record
from .login_throttle import client_address

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
                actor=user, action="auth.session_expired", obj=user, data={"reason": "idle" if idle else "absolute"}
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


class AuditContextMiddleware:
    """Puts the request's client address (from the trusted proxy header, as the login throttle reads it) where
    audit_record finds it, so no service has to pass it on; and records refusals (R22): every 403, and the 404s a
    signed-in user meets, which is how an object outside their scope answers (R2). The path is kept as data, never
    written into a log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_client_ip(client_address(request)):
            response = self.get_response(request)
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
            if response.status_code == 403 or (response.status_code == 404 and signed_in):
                audit_record(
                    actor=user if signed_in else None,
                    action="auth.denied" if response.status_code == 403 else "auth.not_found",
                    obj=None,
                    data={"method": request.method, "path": request.path[:500], "status": response.status_code},
                )
        return response
