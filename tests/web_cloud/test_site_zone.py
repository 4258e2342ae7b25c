"""The zone the pages show a site's times in is an org setting (``time_zone``), inherited
like the others; a name that is not an IANA zone is refused naming the field, never a 500."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cloud.orgs.settings import OrgSettings, in_force, overrides


@pytest.mark.parametrize("zone", ["Mars/Base", "Etc", "America", "../etc/passwd", "UTC\x00", ""])
def test_a_name_that_is_not_a_zone_is_refused_naming_the_field(zone: str) -> None:
    with pytest.raises(ValidationError) as refused:
        OrgSettings(time_zone=zone)
    assert refused.value.errors()[0]["loc"] == ("time_zone",)


def test_a_site_inherits_its_organisations_zone_unless_it_sets_its_own() -> None:
    org = overrides(OrgSettings(time_zone="Asia/Shanghai", costing_method="fefo"))
    site = overrides(OrgSettings(costing_method="fifo"))
    abroad = overrides(OrgSettings(time_zone="Europe/Paris"))
    assert in_force([org, site])["time_zone"] == "Asia/Shanghai"
    assert in_force([org, abroad])["time_zone"] == "Europe/Paris"
