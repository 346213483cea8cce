"""The inspection pages' tabs (shown by what the user may do) and small display helpers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from jiedu.inspections import rules
from jiedu.policy import Action, can

register = template.Library()


@register.inclusion_tag("inspections/_tabs.html", takes_context=True)
def inspection_tabs(context: dict[str, Any], tab: str) -> dict[str, Any]:
    user = context["request"].user
    return {
        "tab": tab,
        "perms_view": can(user, Action.INSPECTION_VIEW),
        "perms_conduct": can(user, Action.INSPECTION_CONDUCT),
        "perms_verify": can(user, Action.RECTIFICATION_VERIFY),
        "perms_plan": can(user, Action.INSPECTION_PLAN),
        "perms_templates": can(user, Action.INSPECTION_TEMPLATES),
    }


@register.filter
def score(value: Decimal | None) -> str:
    """A score without trailing zeros (5, 2.5); blank for none."""
    return rules.plain(value)
