"""What a leader commentary (领导点评, DOMAIN.md §7) covers on each of its three levels, as listed in the fifth
document of reference/003_…: the upper level on the branch, the secretary on committee members (党员领导干部),
committee members on the other members (普通党员). The source's "创先争优活动" and "创建" are generalised to "活动".

`LeaderCommentary.items` maps the keys below to the text written for each item; every item of the level is required.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import CommentaryLevel


@dataclass(frozen=True)
class Item:
    key: str
    label: str


ITEMS: dict[str, tuple[Item, ...]] = {
    CommentaryLevel.UPPER_ON_BRANCH: (
        Item("leadership", _("组织领导情况")),
        Item("commitments", _("公开承诺事项的兑现情况")),
        Item("measures", _("活动措施落实情况")),
        Item("work_integration", _("活动与本职工作结合情况")),
        Item("party_management", _("履行管党责任情况")),
        Item("effect", _("活动效果情况")),
    ),
    CommentaryLevel.SECRETARY_ON_COMMITTEE: (
        Item("participation", _("参加活动情况")),
        Item("commitments", _("公开承诺事项兑现情况")),
        Item("development", _("推动科学发展情况")),
        Item("policy", _("执行政策情况")),
        Item("conduct_integrity", _("工作作风和廉洁自律情况")),
        Item("serving_people", _("关心服务群众情况")),
        Item("assigned_work", _("分管工作落实情况")),
    ),
    CommentaryLevel.COMMITTEE_ON_MEMBER: (
        Item("participation", _("参加活动情况")),
        Item("commitments", _("公开承诺事项兑现情况")),
        Item("duties", _("履行岗位职责情况")),
        Item("serving_people", _("服务群众情况")),
        Item("conduct", _("工作作风情况")),
        Item("results", _("工作成效情况")),
    ),
}


def items_clean(level: str, items: dict[str, str]) -> tuple[dict[str, str], list[Item]]:
    """The level's items with their text trimmed, in the listed order, and the listed items left empty.
    Keys the level does not list are dropped."""
    cleaned = {item.key: (items.get(item.key) or "").strip() for item in ITEMS[level]}
    missing = [item for item in ITEMS[level] if not cleaned[item.key]]
    return cleaned, missing


def items_display(level: str, items: dict[str, str]) -> list[tuple[str, str]]:
    """(label, text) in the listed order, for the detail page and the export."""
    return [(str(item.label), items.get(item.key, "")) for item in ITEMS.get(level, ())]
