"""The answer to a request that failed on the server (RELIABILITY.md R27): when the database cannot be reached, a
plain 503 page in Chinese that asks the user to try again shortly, never a stack trace and never a 500; anything
else stays Django's own 500 page. Wired as handler500 in config/urls.py, which Django calls for every uncaught
exception, in a view or in a middleware (a lost database connection first shows up in the session middleware).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

# Seconds after which a browser or a proxy may try again: PostgreSQL restarts or fails over within a minute.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """True for a database that cannot be reached (refused or lost connection), not for a wrong query."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls the handler inside its `except` block, so the exception that got here is the current one.
    if not database_unavailable(sys.exception()):
        return django_server_error(request)
    # Rendered without the request: context processors would ask the database for the user and the navigation.
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableLogFilter:
    """While the database is down every request fails the same way: Django would log each 503 with a chained stack
    trace (about 30 lines a request, 2,000 requests in a 30-s outage of bench/faults.py). Such a record keeps one line
    with the reason; any other error keeps its stack trace. Installed on the django.request logger."""

    def filter(self, record) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if database_unavailable(exc) and isinstance(record.args, tuple):
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            record.msg = f"{record.msg} (database unavailable: %s)"
            record.args = (*record.args, reason)
            record.exc_info = None
            record.exc_text = None
        return True
