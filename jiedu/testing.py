"""Test helpers shared by every app's tests: valid identity numbers and the persona world."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.patients.identity import check_digit_for
from jiedu.registry.models import Organisation, OrganisationType, Region
from jiedu.registry.services import regions_load

PASSWORD = "correct-horse-battery-staple-9"


def make_id_number(
    *, region: str = "350583", birth: dt.date = dt.date(1980, 5, 3), seq: int = 12, sex: str = "M"
) -> str:
    """A valid 18-digit identity number: the 17th digit is odd for men, even for women."""
    if not 0 <= seq <= 99:
        raise ValueError("seq is two digits (0–99); the sex digit follows it.")
    order = seq * 10 + (1 if sex == "M" else 2)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + check_digit_for(body)


def jpeg_bytes(size: tuple[int, int] = (80, 100), color: str = "#88aacc") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


@dataclass
class World:
    """Organisations as attributes; personas as ``world.users[name]`` and, where the name is not also an
    organisation attribute, as ``world.<name>`` (``world.nurse_a`` is a user, ``world.police`` the station)."""

    county: Region
    other_county: Region
    clinic_a: Organisation
    dosing_point_a: Organisation
    clinic_b: Organisation
    clinic_elsewhere: Organisation
    police: Organisation
    community: Organisation
    cdc: Organisation
    commission: Organisation
    province_commission: Organisation
    users: dict[str, User]

    def __getattr__(self, name: str) -> User:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


#: persona name → (organisation attribute, roles)
PERSONAS: dict[str, tuple[str, tuple[Role, ...]]] = {
    "director_a": ("clinic_a", (Role.CLINIC_DIRECTOR,)),
    "doctor_a": ("clinic_a", (Role.DOCTOR,)),
    "nurse_a": ("clinic_a", (Role.NURSE,)),
    "keeper_a": ("clinic_a", (Role.PHARMACIST,)),
    "nurse_point_a": ("dosing_point_a", (Role.NURSE,)),
    "nurse_b": ("clinic_b", (Role.NURSE,)),
    "keeper_b": ("clinic_b", (Role.PHARMACIST,)),
    "nurse_elsewhere": ("clinic_elsewhere", (Role.NURSE,)),
    "police": ("police", (Role.POLICE_LIAISON,)),
    "community": ("community", (Role.COMMUNITY_WORKER,)),
    "cdc": ("cdc", (Role.CDC_STAFF,)),
    "officer": ("commission", (Role.HEALTH_OFFICER,)),
    "inspector": ("commission", (Role.INSPECTOR,)),
    "auditor": ("commission", (Role.AUDITOR,)),
    "sysadmin": ("commission", (Role.SYSADMIN,)),
    "province_auditor": ("province_commission", (Role.AUDITOR,)),
}


def build_world() -> World:
    regions_load(province_codes={"35"})
    county = Region.objects.get(code="350583")  # 南安市
    other = Region.objects.get(code="350582")  # 晋江市
    province = Region.objects.get(code="350000")
    T = OrganisationType

    def org(name: str, kind: str, region: Region, parent: Organisation | None = None) -> Organisation:
        return Organisation.objects.create(
            name=name, type=kind, region=region, parent_clinic=parent, address=f"{region.name}{name}路1号"
        )

    clinic_a = org("南安市美沙酮维持治疗门诊", T.MMT_CLINIC, county)
    world = World(
        county=county,
        other_county=other,
        clinic_a=clinic_a,
        dosing_point_a=org("溪美街道延伸服药点", T.DOSING_POINT, county, clinic_a),
        clinic_b=org("南安市第二美沙酮门诊", T.MMT_CLINIC, county),
        clinic_elsewhere=org("晋江市美沙酮门诊", T.MMT_CLINIC, other),
        police=org("南安市公安局溪美派出所", T.POLICE, county),
        community=org("溪美街道社区戒毒社区康复工作站", T.COMMUNITY_REHAB, county),
        cdc=org("南安市疾病预防控制中心", T.CDC, county),
        commission=org("南安市卫生健康局", T.HEALTH_COMMISSION, county),
        province_commission=org("福建省卫生健康委员会", T.HEALTH_COMMISSION, province),
        users={},
    )
    for username, (org_attr, roles) in PERSONAS.items():
        user = User.objects.create_user(
            username=username, password=PASSWORD, organisation=getattr(world, org_attr), full_name=username
        )
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles])
        world.users[username] = user
    return world


def ensure_catalogue() -> None:
    """The drug catalogue the migration seeds, put back after a transactional test's flush removed it."""
    import importlib

    from jiedu.pharmacy.models import Drug

    seed = importlib.import_module("jiedu.pharmacy.migrations.0005_seed_catalogue")
    for code, name, cls, form, strength, unit, package, per, note in seed.DRUGS:
        Drug.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "control_class": cls,
                "form": form,
                "strength": strength,
                "unit": unit,
                "package_unit": package,
                "units_per_package": per,
                "on_watch_list": bool(note),
                "watch_note": note,
            },
        )


def build_clinic_stock(world: World, *, quantity: str = "5000") -> dict:
    """Dosing stores at clinic A, its dosing point and clinic B, each holding methadone 1 mg/mL, with their
    designated keepers (clinic A: keeper_a and nurse_a; the dosing point: nurse_point_a; clinic B: nurse_b and
    keeper_b) and a valid purchase seal card at each clinic."""
    from decimal import Decimal

    from jiedu.pharmacy.models import Drug, SealCard, Store, StoreKeeper, StoreKind
    from jiedu.pharmacy.services import ReceiptLine, stock_receive

    # Seeded by a migration; a flush after a transactional test removes it, so make sure it is there.
    ensure_catalogue()
    drug, _ = Drug.objects.get_or_create(
        code="methadone-oral-solution",
        defaults={
            "name": "盐酸美沙酮口服溶液",
            "control_class": "narcotic",
            "form": "口服溶液",
            "strength": "1 mg/mL",
            "unit": "mL",
            "package_unit": "mL",
        },
    )
    for clinic in (world.clinic_a, world.clinic_b):
        SealCard.objects.get_or_create(
            number=f"闽麻精印{clinic.pk:06d}",
            defaults={
                "organisation": clinic,
                "issuer": "泉州市卫生健康委员会",
                "valid_from": dt.date(2025, 1, 1),
                "valid_to": dt.date(2027, 12, 31),
                "registered_by": world.users["director_a"],
                "registered_at": dt.datetime(2025, 1, 2, 9, 0, tzinfo=dt.UTC),
            },
        )
    stores = {}
    for org, keepers, witness in (
        (world.clinic_a, ("keeper_a", "nurse_a"), "nurse_a"),
        (world.dosing_point_a, ("nurse_point_a",), "keeper_a"),
        (world.clinic_b, ("nurse_b", "keeper_b"), "keeper_b"),
    ):
        store = Store.objects.create(
            organisation=org, name="发药柜", kind=StoreKind.DISPENSING, dispenses_doses=True
        )
        for username in keepers:
            StoreKeeper.objects.create(
                store=store,
                user=world.users[username],
                appointed_by=world.users["director_a"],
                appointed_on=dt.date(2025, 1, 1),
            )
        stock_receive(
            actor=world.users[keepers[0]],
            witness=world.users[witness],
            store=store,
            line=ReceiptLine(
                drug=drug,
                batch_no=f"MS{org.pk:04d}",
                expiry=dt.date(2028, 6, 30),
                maker="国药集团",
                quantity=Decimal(quantity),
                concentration_mg_per_ml=Decimal("1"),
            ),
            voucher=f"PS{org.pk:06d}",
            supplier="国药控股福建有限公司",
            quality="外观、标签、批号、有效期核对无误，合格",
        )
        stores[org.pk] = store
    return stores


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils command (pdftotext, pdffonts, pdftoppm) on files a test made; its standard output."""
    import shutil
    import subprocess

    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} is missing: install poppler-utils (.ci/run does)")
    return subprocess.run([path, *args], capture_output=True, text=True, check=True).stdout  # noqa: S603
