import pytest

from jiedu.registry.models import Region, RegionLevel
from jiedu.registry.regions import read_rows
from jiedu.registry.selectors import organisation_list
from jiedu.registry.services import regions_load


def test_the_national_list_has_every_level_with_its_years():
    rows = {r.code: r for r in read_rows()}
    assert len(rows) == 6885
    assert rows["350000"].name == "福建省"
    assert (rows["350583"].name, rows["350583"].parent_code, rows["350583"].valid_from) == (
        "南安市",
        "350500",
        1993,
    )
    assert (rows["350523"].name, rows["350523"].valid_to) == ("南安县", 1993)
    assert all(r.parent_code in rows for r in rows.values() if r.parent_code)


@pytest.mark.django_db
def test_loading_is_idempotent():
    assert regions_load(province_codes={"35"}) == (Region.objects.count(), 0)
    assert regions_load(province_codes={"35"}) == (0, 0)
    nanan = Region.objects.get(code="350583")
    assert (nanan.level, nanan.parent_id, nanan.parent.parent_id, nanan.prefix) == (
        RegionLevel.COUNTY,
        "350500",
        "350000",
        "350583",
    )
    assert Region.objects.get(code="350500").prefix == "3505"


@pytest.mark.django_db
def test_organisations_follow_the_region_tree(world):
    county = {o.name for o in organisation_list(user=world.officer)}
    province = {o.name for o in organisation_list(user=world.province_auditor)}
    assert "晋江市美沙酮门诊" not in county
    assert "晋江市美沙酮门诊" in province
    assert len(county) == 7 and len(province) == 9
    clinics = [o.name for o in organisation_list(user=world.officer, type="mmt_clinic")]
    assert clinics == ["南安市第二美沙酮门诊", "南安市美沙酮维持治疗门诊"]
