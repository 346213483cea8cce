"""Who may do what: a table, not code paths. Pure functions over roles and organisation types."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from jiedu.accounts.models import Role
from jiedu.registry.models import OrganisationType as T


class Action(StrEnum):
    HOME_VIEW = "home.view"
    PERSON_SEARCH = "person.search"
    PERSON_VIEW = "person.view"
    PERSON_REGISTER = "person.register"
    PERSON_UPDATE = "person.update"
    PERSON_UNMASK_ID = "person.unmask_id"
    PERSON_EXPORT = "person.export"
    ORGANISATION_VIEW = "organisation.view"
    ORGANISATION_MANAGE = "organisation.manage"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    ADMIN_ACCESS = "admin.access"
    MMT_VIEW = "mmt.view"
    MMT_ENROL = "mmt.enrol"
    MMT_ORDER = "mmt.order"
    MMT_DOSE = "mmt.dose"
    STOCK_VIEW = "stock.view"
    STOCK_MANAGE = "stock.manage"
    STOCK_BOOKS = "stock.books"
    STOCK_CUSTODY = "stock.custody"
    RX_VIEW = "rx.view"
    LAB_URINE = "lab.urine"
    LAB_INFECTION = "lab.infection"
    RX_WRITE = "rx.write"
    RX_RIGHTS = "rx.rights"
    REPORT_INBOX = "report.inbox"
    REPORT_SENT_VIEW = "report.sent_view"
    REPORT_ESCALATIONS = "report.escalations"
    REFERRAL_VIEW = "referral.view"
    REFERRAL_HANDLE = "referral.handle"
    COMMUNITY_ORDERS = "community.orders"
    POLICE_EVIDENCE = "police.evidence"
    VOLUNTARY_REHAB = "rehab.voluntary"
    BULLETIN_VIEW = "bulletin.view"
    BULLETIN_MAKE = "bulletin.make"
    INDICATOR_VIEW = "indicator.view"
    DATASET_ENTER = "dataset.enter"
    DATASET_APPROVE = "dataset.approve"
    INSPECTION_VIEW = "inspection.view"
    INSPECTION_TEMPLATES = "inspection.templates"
    INSPECTION_PLAN = "inspection.plan"
    INSPECTION_CONDUCT = "inspection.conduct"
    RECTIFICATION_RESPOND = "rectification.respond"
    RECTIFICATION_VERIFY = "rectification.verify"
    CAPABILITY_VIEW = "capability.view"
    CAPABILITY_REGISTER = "capability.register"
    CAPABILITY_ASSESS = "capability.assess"
    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"
    STAFF_SCREENING = "staff.screening"
    TRAINING_VIEW = "training.view"
    TRAINING_MANAGE = "training.manage"
    CAMPAIGN_VIEW = "campaign.view"
    CAMPAIGN_MANAGE = "campaign.manage"
    EVALUATION_VIEW = "evaluation.view"
    EVALUATION_MANAGE = "evaluation.manage"


R = Role
_CLINICAL = {R.CLINIC_DIRECTOR, R.DOCTOR, R.NURSE, R.PHARMACIST}
_ALL = set(Role)

GRANTS: dict[Action, frozenset[Role]] = {
    Action.HOME_VIEW: frozenset(_ALL),
    Action.PERSON_SEARCH: frozenset(_CLINICAL | {R.POLICE_LIAISON, R.COMMUNITY_WORKER, R.CDC_STAFF}),
    Action.PERSON_VIEW: frozenset(_CLINICAL | {R.POLICE_LIAISON, R.COMMUNITY_WORKER, R.CDC_STAFF}),
    Action.PERSON_REGISTER: frozenset(
        {R.CLINIC_DIRECTOR, R.DOCTOR, R.NURSE, R.POLICE_LIAISON, R.COMMUNITY_WORKER, R.CDC_STAFF}
    ),
    Action.PERSON_UPDATE: frozenset({R.CLINIC_DIRECTOR, R.DOCTOR, R.NURSE}),
    # Seeing the full identity number: staff who must verify identity or file with the police.
    Action.PERSON_UNMASK_ID: frozenset(
        {R.CLINIC_DIRECTOR, R.DOCTOR, R.NURSE, R.POLICE_LIAISON, R.COMMUNITY_WORKER}
    ),
    Action.PERSON_EXPORT: frozenset({R.CLINIC_DIRECTOR}),
    Action.ORGANISATION_VIEW: frozenset(_ALL),
    Action.ORGANISATION_MANAGE: frozenset({R.SYSADMIN}),
    Action.USER_MANAGE: frozenset({R.SYSADMIN}),
    Action.AUDIT_VIEW: frozenset({R.AUDITOR}),
    Action.AUDIT_EXPORT: frozenset({R.AUDITOR}),
    Action.ADMIN_ACCESS: frozenset({R.SYSADMIN}),
    Action.MMT_VIEW: frozenset(_CLINICAL),
    Action.MMT_ENROL: frozenset({R.CLINIC_DIRECTOR, R.DOCTOR}),
    Action.MMT_ORDER: frozenset({R.DOCTOR}),
    Action.MMT_DOSE: frozenset({R.NURSE, R.DOCTOR}),
    Action.STOCK_VIEW: frozenset(_CLINICAL),
    # Receipts, transfers, waste and day closes; each needs a second person as witness.
    Action.STOCK_MANAGE: frozenset({R.PHARMACIST, R.NURSE, R.CLINIC_DIRECTOR}),
    # The books of controlled substances: monthly statements, registers, variances, alerts. Clinical staff read
    # their own institution's; inspectors and health officers those of the institutions in their region.
    Action.STOCK_BOOKS: frozenset(_CLINICAL | {R.INSPECTOR, R.HEALTH_OFFICER}),
    # 专人负责、双人双锁: the head appoints keepers and key holders, registers seal cards and regulated equipment.
    Action.STOCK_CUSTODY: frozenset({R.CLINIC_DIRECTOR}),
    # Urine drug tests: taken and read by the clinic's doctors and nurses. Infection results (HIV, HCV, syphilis)
    # likewise, and by nobody else: not the pharmacist, the director's overview, the police or the community.
    Action.LAB_URINE: frozenset({R.DOCTOR, R.NURSE}),
    Action.LAB_INFECTION: frozenset({R.DOCTOR, R.NURSE}),
    # Special prescriptions: read like the books; written by doctors (holding the right for the class, a rule
    # of the service); rights granted by the head; dispensed and destroyed by those who manage stock.
    Action.RX_VIEW: frozenset(_CLINICAL | {R.INSPECTOR, R.HEALTH_OFFICER}),
    Action.RX_WRITE: frozenset({R.DOCTOR}),
    Action.RX_RIGHTS: frozenset({R.CLINIC_DIRECTOR}),
    # Reports addressed to the user's organisation: police stations and community rehab offices; the drug
    # regulator's inspectors and the health authority's officers (losses and thefts of controlled drugs).
    Action.REPORT_INBOX: frozenset({R.POLICE_LIAISON, R.COMMUNITY_WORKER, R.INSPECTOR, R.HEALTH_OFFICER}),
    Action.REPORT_SENT_VIEW: frozenset({R.CLINIC_DIRECTOR, R.DOCTOR}),
    # Reports not acknowledged in time, escalated to the narcotics control office of the region.
    Action.REPORT_ESCALATIONS: frozenset({R.NARCOTICS_OFFICER}),
    # Referrals between agencies (转介): an organisation's inbox and sent list; made, accepted, declined and
    # closed by those who decide on care (doctors, the head, community workers, CDC staff); nurses follow them.
    Action.REFERRAL_VIEW: frozenset({R.CLINIC_DIRECTOR, R.DOCTOR, R.NURSE, R.COMMUNITY_WORKER, R.CDC_STAFF}),
    Action.REFERRAL_HANDLE: frozenset({R.CLINIC_DIRECTOR, R.DOCTOR, R.COMMUNITY_WORKER, R.CDC_STAFF}),
    # Community detox and rehab orders, check-ins, and their people's attendance (dosed yes/no) at MMT.
    Action.COMMUNITY_ORDERS: frozenset({R.COMMUNITY_WORKER}),
    # The monthly evidence for dynamic control: attendance, last positive test, reports; no clinical detail.
    Action.POLICE_EVIDENCE: frozenset({R.POLICE_LIAISON}),
    # Voluntary rehab admissions, agreements, stays and discharges (institution type checked by the service).
    Action.VOLUNTARY_REHAB: frozenset({R.CLINIC_DIRECTOR, R.DOCTOR, R.NURSE}),
    # The monthly work bulletin (定期工作通报): read by the participating organisations, issued by the office.
    Action.BULLETIN_VIEW: frozenset(
        {
            R.CLINIC_DIRECTOR,
            R.DOCTOR,
            R.POLICE_LIAISON,
            R.COMMUNITY_WORKER,
            R.CDC_STAFF,
            R.HEALTH_OFFICER,
            R.NARCOTICS_OFFICER,
        }
    ),
    Action.BULLETIN_MAKE: frozenset({R.NARCOTICS_OFFICER}),
    # Indicators and dashboards: aggregates only (small cells suppressed). A clinic's head sees the clinic; an
    # officer the region; the CDC, owner of the national MMT data, its region.
    Action.INDICATOR_VIEW: frozenset(
        {R.CLINIC_DIRECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.INSPECTOR, R.CDC_STAFF}
    ),
    # Aggregate figures from outside (registered drug users, a district's quarterly indicators): entered by the
    # officers of the reporting region, approved by an officer of a region above it (checked by the service).
    Action.DATASET_ENTER: frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    Action.DATASET_APPROVE: frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    # Joint inspections (seed 000): planned by the health commission or the narcotics office with a team drawn
    # from health, police, the drug regulator and the CDC; carried out by the team's members (checked by the
    # service); an inspected institution's head reads its own inspections and answers their findings.
    Action.INSPECTION_VIEW: frozenset(
        {R.CLINIC_DIRECTOR, R.INSPECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.CDC_STAFF}
    ),
    Action.INSPECTION_TEMPLATES: frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    Action.INSPECTION_PLAN: frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    Action.INSPECTION_CONDUCT: frozenset(
        {R.INSPECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.CDC_STAFF, R.POLICE_LIAISON}
    ),
    # A finding's owner answers it (an institution's head; a district working group's office); the inspecting
    # body verifies the answer.
    Action.RECTIFICATION_RESPOND: frozenset({R.CLINIC_DIRECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    Action.RECTIFICATION_VERIFY: frozenset({R.INSPECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    # Capability of medical units (seed 001): a unit's head keeps its registers (departments, equipment, rules,
    # collaborations); the health commission and inspectors assess and read the roll-up.
    Action.CAPABILITY_VIEW: frozenset(
        {R.CLINIC_DIRECTOR, R.INSPECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}
    ),
    Action.CAPABILITY_REGISTER: frozenset({R.CLINIC_DIRECTOR}),
    Action.CAPABILITY_ASSESS: frozenset({R.INSPECTOR, R.HEALTH_OFFICER}),
    # The staff register: an organisation's head keeps its own; officers read their region's. Staff drug
    # screening (the zero-involvement target of seed 002) is seen by the organisation's head and the commission
    # only.
    Action.STAFF_VIEW: frozenset({R.CLINIC_DIRECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    Action.STAFF_MANAGE: frozenset({R.CLINIC_DIRECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    Action.STAFF_SCREENING: frozenset({R.CLINIC_DIRECTOR, R.HEALTH_OFFICER}),
    # Training courses and further study: organised by the commission and the narcotics office for police,
    # centres, community offices and social workers; read by the organisations that send participants.
    Action.TRAINING_VIEW: frozenset(
        {R.CLINIC_DIRECTOR, R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.CDC_STAFF, R.COMMUNITY_WORKER}
    ),
    Action.TRAINING_MANAGE: frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
    # Education campaigns (6·26, 12·1, the publicity month): recorded by those who hold the events.
    Action.CAMPAIGN_VIEW: frozenset(
        {R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.CDC_STAFF, R.COMMUNITY_WORKER, R.POLICE_LIAISON}
    ),
    Action.CAMPAIGN_MANAGE: frozenset(
        {R.NARCOTICS_OFFICER, R.HEALTH_OFFICER, R.CDC_STAFF, R.COMMUNITY_WORKER}
    ),
    # The annual comprehensive evaluation (seed 004 §(八)): schemes and results kept by the commission and the
    # narcotics office; inspectors read them.
    # A clinic's director reads the published evaluations the clinic was ranked in (the scope is in the selector).
    Action.EVALUATION_VIEW: frozenset(
        {R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.INSPECTOR, R.CLINIC_DIRECTOR}
    ),
    Action.EVALUATION_MANAGE: frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER}),
}

_MEDICAL_STAFF = frozenset(_CLINICAL)
_OVERSIGHT = frozenset({R.HEALTH_OFFICER, R.INSPECTOR, R.AUDITOR, R.SYSADMIN})

#: The roles an organisation of each type can hold; a role outside this table has no effect.
ORG_TYPE_ROLES: dict[str, frozenset[Role]] = {
    T.MMT_CLINIC: _MEDICAL_STAFF,
    T.DOSING_POINT: frozenset({R.DOCTOR, R.NURSE, R.PHARMACIST}),
    T.VOLUNTARY_REHAB: _MEDICAL_STAFF,
    T.COMPULSORY_CENTRE: _MEDICAL_STAFF,
    T.HOSPITAL: _MEDICAL_STAFF,
    T.COMMUNITY_REHAB: frozenset({R.COMMUNITY_WORKER}),
    T.POLICE: frozenset({R.POLICE_LIAISON}),
    T.CDC: frozenset({R.CDC_STAFF, R.DOCTOR}),
    T.HEALTH_COMMISSION: _OVERSIGHT,
    T.NARCOTICS_OFFICE: frozenset({R.NARCOTICS_OFFICER, R.INSPECTOR, R.AUDITOR, R.SYSADMIN}),
    T.DRUG_REGULATOR: frozenset({R.INSPECTOR}),
    T.JUSTICE_BUREAU: frozenset({R.INSPECTOR}),
}

#: Roles whose view of organisations and audit follows their organisation's region (county → county).
REGIONAL_ROLES = frozenset({R.HEALTH_OFFICER, R.NARCOTICS_OFFICER, R.INSPECTOR, R.AUDITOR, R.SYSADMIN})


def effective_roles(user: Any) -> frozenset[Role]:
    """Assigned roles that the user's organisation type allows. Cached on the user object per request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_jiedu_roles", None)
    if cached is not None:
        return cached
    org = user.organisation
    if org is None:
        roles: frozenset[Role] = frozenset({R.SYSADMIN}) if user.is_superuser else frozenset()
    else:
        assigned = {Role(r) for r in user.role_assignments.values_list("role", flat=True)}
        roles = frozenset(assigned & ORG_TYPE_ROLES.get(org.type, frozenset()))
    user._jiedu_roles = roles
    return roles


def role_allowed_in(role: str, org_type: str) -> bool:
    return Role(role) in ORG_TYPE_ROLES.get(org_type, frozenset())


def can(user: Any, action: Action | str) -> bool:
    return bool(effective_roles(user) & GRANTS[Action(action)])
