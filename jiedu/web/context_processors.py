from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiedu.policy import Action, can, effective_roles
from jiedu.rehab.selectors import institution_of

NAV = [
    ("web:home", _("Home"), Action.HOME_VIEW),
    ("patients:list", _("Persons"), Action.PERSON_SEARCH),
    ("patients:register", _("Register a person"), Action.PERSON_REGISTER),
    ("mmt:window", _("Dosing window"), Action.MMT_DOSE),
    ("episodes:list", _("MMT episodes"), Action.MMT_VIEW),
    ("labs:today", _("Tests"), Action.LAB_URINE),
    ("rehab:list", _("Voluntary rehab"), Action.VOLUNTARY_REHAB),
    ("pharmacy:stock", _("Stock"), Action.STOCK_VIEW),
    # Inspectors and health officers, who read the books without a stock page of their own.
    ("pharmacy:statement", _("Controlled-substance books"), Action.STOCK_BOOKS),
    ("referrals:inbox", _("Referrals"), Action.REFERRAL_VIEW),
    ("reports:inbox", _("Reports received"), Action.REPORT_INBOX),
    ("reports:sent", _("Reports sent"), Action.REPORT_SENT_VIEW),
    ("reports:escalations", _("Overdue reports"), Action.REPORT_ESCALATIONS),
    ("community:list", _("Community orders"), Action.COMMUNITY_ORDERS),
    ("police:evidence", _("Dynamic-control evidence"), Action.POLICE_EVIDENCE),
    ("bulletins:list", _("Work bulletins"), Action.BULLETIN_VIEW),
    ("indicators:dashboard", _("Indicators"), Action.INDICATOR_VIEW),
    ("datasets:list", _("Aggregate figures"), Action.DATASET_ENTER),
    ("inspections:schedule", _("Inspections"), Action.INSPECTION_VIEW),
    # Team members who read no schedule of their own (police liaisons): their inspections.
    ("inspections:mine", _("My inspections"), Action.INSPECTION_CONDUCT),
    ("inspections:findings", _("Rectification"), Action.INSPECTION_VIEW),
    ("campaigns:list", _("Education campaigns"), Action.CAMPAIGN_VIEW),
    ("workforce:staff_list", _("Staff"), Action.STAFF_VIEW),
    ("workforce:courses", _("Training"), Action.TRAINING_VIEW),
    ("capability:units", _("Capability"), Action.CAPABILITY_VIEW),
    ("evaluation:list", _("Annual evaluation"), Action.EVALUATION_VIEW),
    ("registry:organisations", _("Organisations"), Action.ORGANISATION_VIEW),
    ("core:audit", _("Audit log"), Action.AUDIT_VIEW),
    ("admin:index", _("Administration"), Action.ADMIN_ACCESS),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "my_roles": []}
    return {
        "nav": [
            (name, label)
            for name, label, action in NAV
            if can(user, action)
            and not (name == "pharmacy:statement" and can(user, Action.STOCK_VIEW))
            and not (name == "rehab:list" and institution_of(user) is None)
            and not (name == "inspections:mine" and can(user, Action.INSPECTION_VIEW))
        ],
        "my_roles": sorted(r.label for r in effective_roles(user)),
    }
