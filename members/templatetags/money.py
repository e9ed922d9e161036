from django import template

from members.periods import fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen shown in yuan with two decimals: {{ 1500|yuan }} → 15.00."""
    return fen_to_yuan(fen)
