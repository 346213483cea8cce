"""Rules that policy may change: a national default in code, overridable per region as data.

A province (or prefecture, or county) sets a value in ``RegionalSetting``; the most specific region wins:
county → prefecture → province → national default. No code change is needed to follow a provincial rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    key: str
    default: Any
    label: Any
    kind: type = int


NATIONAL_DEFAULTS: dict[str, Rule] = {
    r.key: r
    for r in [
        Rule("mmt.adult_age", 18, _("Minimum age without a guardian's written consent")),
        Rule(
            "mmt.decision_working_days",
            5,
            _("Working days within which the clinic decides on an application"),
        ),
        Rule(
            "mmt.induction_max_mg",
            Decimal("40"),
            _("Largest first-day dose without an override (mg)"),
            Decimal,
        ),
        Rule(
            "mmt.step_max_mg",
            Decimal("10"),
            _("Largest change between orders without an override (mg)"),
            Decimal,
        ),
        Rule("mmt.ceiling_mg", Decimal("150"), _("Largest dose without an override (mg)"), Decimal),
        Rule("mmt.review_after_missed_days", 3, _("Missed days after which a doctor must re-assess")),
        Rule("mmt.dropout_after_missed_days", 7, _("Missed days after which the patient has dropped out")),
        Rule("mmt.exit_after_missed_days", 30, _("Missed days after which the episode exits")),
        Rule(
            "reports.deadline_working_days", 1, _("Working days within which a report must be acknowledged")
        ),
        Rule(
            "reports.voluntary_admission_deadline_hours",
            24,
            _("Hours within which a voluntary-rehab admission filing must be acknowledged"),
        ),
        Rule(
            "reports.escalate_after_days",
            1,
            _("Days past its deadline after which an unacknowledged report goes to the narcotics office"),
        ),
        Rule(
            "referrals.respond_working_days",
            3,
            _("Working days within which the receiving organisation accepts or declines a referral"),
        ),
        Rule(
            "referrals.complete_days",
            30,
            _("Days after acceptance within which a referral is completed, else lost to follow-up"),
        ),
        Rule(
            "community.report_within_days",
            15,
            _("Days within which a person under a community order reports to the office"),
        ),
        Rule("community.term_years", 3, _("Years of a community detox or rehab order")),
        Rule(
            "police.review_min_months",
            6,
            _("Months in MMT before a person is listed for a dynamic-control level review"),
        ),
        Rule(
            "police.review_min_attendance_pct",
            90,
            _("Least attendance (percent of days) in each of those months for the review list"),
        ),
        Rule("labs.urine_interval_days", 30, _("Longest interval between urine tests of a patient (days)")),
        Rule(
            "labs.urine_interval_days_early",
            14,
            _("Longest interval between urine tests in the first months of treatment (days)"),
        ),
        Rule("labs.urine_early_days", 90, _("Days from the start of treatment counted as the first months")),
        Rule("labs.hiv_interval_days", 182, _("Days between HIV tests while negative")),
        Rule("labs.hcv_interval_days", 365, _("Days between HCV tests while negative")),
        Rule("labs.syphilis_interval_days", 365, _("Days between syphilis tests while negative")),
        Rule("labs.due_soon_days", 14, _("Days ahead a test is listed as due")),
        Rule("pharmacy.expiry_warning_days", 90, _("Days before expiry when a batch is flagged")),
        Rule(
            "pharmacy.count_shortfall_tolerance",
            Decimal("0"),
            _("Shortfall at a count (ledger units) that is investigated without an immediate report"),
            Decimal,
        ),
        Rule(
            "pharmacy.seal_card_renewal_days",
            90,
            _("Days before a purchase seal card expires when its renewal is due"),
        ),
        Rule(
            "pharmacy.low_stock_days",
            7,
            _("Days of usual use below which a store's stock of a drug is low"),
        ),
        Rule(
            "pharmacy.rx_max_days_injection",
            1,
            _("Days one narcotic or class-I prescription may supply of an injection (one usual dose)"),
        ),
        Rule(
            "pharmacy.rx_max_days_controlled_release",
            7,
            _("Days one narcotic or class-I prescription may supply of a controlled-release form"),
        ),
        Rule(
            "pharmacy.rx_max_days_other",
            3,
            _("Days one narcotic or class-I prescription may supply of any other form"),
        ),
        Rule("pharmacy.rx_max_days_psychotropic_2", 7, _("Days one class-II prescription may supply")),
        Rule(
            "pharmacy.rx_valid_days",
            1,
            _("Days a special prescription may be dispensed, the day it is written included"),
        ),
        Rule("pharmacy.rx_keep_years_red", 3, _("Years narcotic and class-I prescriptions are kept")),
        Rule("pharmacy.rx_keep_years_white", 2, _("Years class-II prescriptions are kept")),
        Rule(
            "indicators.dropout_gap_days",
            7,
            _("Days without a dose after which the indicators count a dropout (one national definition)"),
        ),
        Rule(
            "indicators.art_linkage_days",
            30,
            _("Days from an HIV-positive result within which starting ART counts as linked"),
        ),
        Rule(
            "indicators.small_cell",
            5,
            _("Counts below this are suppressed on aggregate views and exports"),
        ),
        Rule(
            "indicators.amber_band_pct",
            Decimal("10"),
            _("How far short of its target (percent of the target) an indicator shows amber, not red"),
            Decimal,
        ),
        Rule(
            "indicators.target.annual_retention",
            Decimal("90"),
            _("Target: MMT annual retention (percent)"),
            Decimal,
        ),
        Rule(
            "indicators.target.coverage",
            Decimal("40"),
            _("Target: persons in MMT per 100 registered opioid users"),
            Decimal,
        ),
        Rule(
            "indicators.target.urine_coverage",
            Decimal("100"),
            _("Target: share of persons in treatment tested for drugs in the month (percent)"),
            Decimal,
        ),
        Rule(
            "indicators.target.art_linkage",
            Decimal("95"),
            _("Target: share of newly HIV-positive patients started on ART in time (percent)"),
            Decimal,
        ),
        Rule(
            "pharmacy.stocktake_grace_days",
            5,
            _("Days into a month by which the previous month's full stock-take is done"),
        ),
        # inspections: rules below
        Rule(
            "inspections.rectification_days",
            30,
            _("Days from an inspection's submission within which a finding is rectified (default deadline)"),
        ),
        Rule(
            "inspections.escalation_days",
            14,
            _("Days past a missed rectification deadline after which the item is escalated a second time"),
        ),
        Rule(
            "inspections.fact_dropout_warning_pct",
            Decimal("20"),
            _("Quarterly dropout rate (percent) above which an inspector is warned beside the item"),
            Decimal,
        ),
        Rule(
            "inspections.fact_retention_warning_pct",
            Decimal("70"),
            _("Cohort retention at 3 months (percent) below which an inspector is warned beside the item"),
            Decimal,
        ),
        # capability: rules below
        Rule(
            "capability.maintenance_max_days",
            365,
            _(
                "Days since its last maintenance or calibration after which equipment no longer counts as working"
            ),
        ),
        # workforce: rules below
        Rule(
            "workforce.screening_interval_days",
            365,
            _("Days after a staff member's last drug screening when the next one is due"),
        ),
        Rule(
            "workforce.certificate_warning_days",
            90,
            _("Days before a practising certificate expires when it is flagged"),
        ),
        # campaigns: rules below
        Rule(
            "campaigns.target.settings_covered",
            6,
            _("Target: of the six settings, those with at least one education event in a county in the year"),
        ),
        Rule(
            "campaigns.target.events_per_setting",
            1,
            _("Target: education events per setting in a county in the year"),
        ),
        Rule(
            "campaigns.target.key_campaign_events",
            1,
            _(
                "Target: education events in a county under each key campaign (6·26, 12·1, the publicity month)"
            ),
        ),
        Rule(
            "campaigns.amber_band_pct",
            Decimal("20"),
            _("How far short of an education target (percent of the target) it shows amber, not red"),
            Decimal,
        ),
    ]
}


def coerce(key: str, raw: Any) -> Any:
    rule = NATIONAL_DEFAULTS[key]
    return rule.kind(str(raw)) if rule.kind is Decimal else rule.kind(raw)


def region_chain(code: str) -> list[str]:
    """'350583' → ['350583', '350500', '350000']: the region and the levels above it, most specific first."""
    chain = [code, f"{code[:4]}00", f"{code[:2]}0000"]
    return list(dict.fromkeys(chain))
