"""An IntegrityError that reaches a view's caller is a conflict with what is stored, not a server fault
(RELIABILITY.md R15): the database refused a second "one X per Y" row that two requests raced to create, or a change
to a signed or filed record (R12). Services catch the cases they expect and answer them in words; anything they did
not expect is answered here with a Chinese 409 page that says nothing was saved, instead of a 500."""

import logging
from collections.abc import Callable

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


class IntegrityErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, IntegrityError):
            return None
        # Logged with the constraint's name, so that a conflict that should have a service message gets one.
        logger.warning("integrity conflict on %s %s: %s", request.method, request.path, exception)
        return render(request, "409.html", status=409)
