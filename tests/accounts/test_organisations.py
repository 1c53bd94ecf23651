"""ORG-01: organisation kinds, their legal basis, and what a school needs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from passend.accounts.models import (
    LEGAL_BASIS_BY_KIND,
    Organisation,
    OrganisationKind,
    SchoolType,
    Sector,
)

pytestmark = pytest.mark.django_db


def test_org_01_every_kind_carries_its_legal_basis() -> None:
    assert set(LEGAL_BASIS_BY_KIND) == set(OrganisationKind.values)
    expected = {
        OrganisationKind.MUNICIPALITY: "Leerplichtwet",
        OrganisationKind.GGD: "Wet publieke gezondheid",
        OrganisationKind.NEIGHBOURHOOD_TEAM: "Jeugdwet",
        OrganisationKind.YOUTH_CARE_PROVIDER: "Jeugdwet",
        OrganisationKind.SWV: "18a",
        OrganisationKind.ADVISORY_COMMITTEE: "17a",
        OrganisationKind.OTHER: "Toestemming",
    }
    for kind, fragment in expected.items():
        assert fragment in Organisation(name="X", kind=kind).legal_basis


def test_org_01_a_school_needs_board_type_sector_and_a_valid_brin() -> None:
    school = Organisation(name="School", kind=OrganisationKind.SCHOOL, brin="1A", vestiging="7")
    with pytest.raises(ValidationError) as error:
        school.clean()
    assert set(error.value.message_dict) == {"board", "school_type", "sector", "brin", "vestiging"}
    assert all("ORG-01" in m[0] for m in error.value.message_dict.values())

    board = Organisation.objects.create(name="Bestuur", kind=OrganisationKind.SCHOOL_BOARD)
    valid = Organisation(
        name="School",
        kind=OrganisationKind.SCHOOL,
        board=board,
        school_type=SchoolType.REGULAR,
        sector=Sector.PO,
        brin="12AB",
        vestiging="00",
    )
    valid.clean()
    assert valid.brin_code == "12AB00"


def test_org_01_an_swv_is_po_or_vo() -> None:
    with pytest.raises(ValidationError) as error:
        Organisation(name="SWV", kind=OrganisationKind.SWV).clean()
    assert "sector" in error.value.message_dict
    Organisation(name="SWV", kind=OrganisationKind.SWV, sector=Sector.VO).clean()
