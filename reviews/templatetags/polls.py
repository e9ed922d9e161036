"""Display of exact poll figures: two decimals, half up (DOMAIN.md §6)."""

from django import template

from reviews import rules

register = template.Library()


@register.filter
def two_places(value):
    return rules.two_places(value)


@register.filter
def percent(value):
    return rules.percent(value)
