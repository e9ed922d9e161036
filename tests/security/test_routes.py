"""Rules that hold for every route, checked by walking the URL configuration, so that a new page is covered the
day it is added (RELIABILITY.md R1 deny by default with one reviewed allowlist, R11 CSRF on every POST)."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

# The only views reachable without logging in: the login page, the health check for the load balancer, and the
# anonymous ballot pages, whose participants hold a one-time code and no account (DOMAIN.md §7).
PUBLIC_VIEWS = {"login", "health", "admin:login"}
PUBLIC_NAMESPACES = {"vote"}

SAMPLE_ARGUMENTS = {"int": 1, "string": "x", "slug": "x", "path": "x", "uuid": uuid.UUID(int=1)}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: URLPattern

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""


def _routes(resolver: URLResolver, namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            yield from _routes(entry, f"{namespace}:{inner}" if namespace and inner else namespace or inner)
        else:
            name = entry.name or entry.lookup_str
            yield Route(f"{namespace}:{name}" if namespace else name, entry)


ROUTES = list(_routes(get_resolver()))


def _sample_url(route: Route) -> str | None:
    converters = getattr(route.pattern.pattern, "converters", {})
    kwargs = {
        key: SAMPLE_ARGUMENTS[type(converter).__name__.removesuffix("Converter").lower()]
        for key, converter in converters.items()
    }
    try:
        return reverse(route.name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def test_only_the_reviewed_views_are_public():
    public = {
        route.name
        for route in ROUTES
        if getattr(route.pattern.callback, "login_required", True) is False and route.namespace not in PUBLIC_NAMESPACES
    }
    assert public == PUBLIC_VIEWS


def test_no_view_is_exempt_from_csrf():
    exempt = [route.name for route in ROUTES if getattr(route.pattern.callback, "csrf_exempt", False)]
    assert exempt == []


@pytest.mark.django_db
def test_every_route_refuses_a_post_without_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.chief)
    checked, unreachable = 0, []
    for route in ROUTES:
        url = _sample_url(route)
        if url is None:
            # Regular-expression routes of the admin (app lists) take fixed names, not sample values.
            unreachable.append(route.name)
            continue
        response = client.post(url, {"anything": "1"})
        assert response.status_code == 403, f"{route.name} ({url}) answered {response.status_code} without a token"
        checked += 1
    assert all(name.startswith("admin:") for name in unreachable), unreachable
    assert checked > 100
