"""``passend.statements`` (issue 10): statements written once per process that give the same
instances as the ORM's querysets: every column with its type, the joined rows cached as
``select_related`` caches them (also two levels deep, and empty below an empty LEFT JOIN), and
no query afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passend.accounts.models import Membership, Organisation, Role
from passend.attendance.models import AbsenceImport
from passend.statements import Statement, id_rows
from tests.conftest import make_professional

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    return {
        f.attname: (type(getattr(instance, f.attname)), getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
    }


def test_two_levels_of_joins_and_an_empty_left_join_above_a_required_one(
    region: dict[str, Any],
) -> None:
    user = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="verzuim-st")
    membership = Membership.objects.get(user=user)
    with_member = AbsenceImport.objects.create(
        school=region["school_a"], source="somtoday", requested_membership=membership
    )
    without = AbsenceImport.objects.create(school=region["school_a"], source="somtoday")
    statement = Statement(
        AbsenceImport,
        joins=("requested_membership", "requested_membership__organisation", "school"),
        tail="WHERE t.school_id = %s ORDER BY t.id",
    )
    # The organisation is required of a membership, but the membership is optional here: its
    # join must not drop the import without one.
    assert "LEFT JOIN" in statement.sql.split("requested_membership_id", 1)[1].split("ON")[1]
    found = statement.instances([region["school_a"].pk])
    assert [i.pk for i in found] == [with_member.pk, without.pk]
    orm = list(
        AbsenceImport.objects.filter(school=region["school_a"])
        .select_related("requested_membership__organisation", "school")
        .order_by("id")
    )
    with CaptureQueriesContext(connection) as captured:
        for ours, theirs in zip(found, orm, strict=True):
            assert values(ours) == values(theirs)
            assert values(ours.school) == values(theirs.school)
        assert values(found[0].requested_membership) == values(orm[0].requested_membership)
        assert values(found[0].requested_membership.organisation) == values(
            orm[0].requested_membership.organisation
        )
        assert found[1].requested_membership is None
    assert len(captured) == 0
    # Both imports join the same school: one instance, shared as prefetch_related shares it.
    assert found[0].school is found[1].school


def test_a_joined_row_is_one_instance_per_key_and_part(region: dict[str, Any]) -> None:
    school_b = region["school_b"]
    imports = [
        AbsenceImport.objects.create(school=school, source="somtoday")
        for school in (region["school_a"], school_b, region["school_a"])
    ]
    statement = Statement(
        AbsenceImport, joins=("school",), tail="WHERE " + "t.id IN (%s, %s, %s) ORDER BY t.id"
    )
    found = statement.instances([i.pk for i in imports])
    assert [i.school.pk for i in found] == [
        region["school_a"].pk,
        school_b.pk,
        region["school_a"].pk,
    ]
    assert found[0].school is found[2].school
    assert found[0].school is not found[1].school
    # Each row still is its own instance.
    assert len({id(i) for i in found}) == 3


def test_ordering_refuses_what_it_cannot_write() -> None:
    from passend.statements import ordering

    class Meta:
        ordering = ["pupil__last_name"]

    fake = type("Fake", (), {"_meta": Meta, "__name__": "Fake"})
    with pytest.raises(ValueError, match="plain fields"):
        ordering(fake, "t")


def test_id_rows_filters_by_any_number_of_ids_with_one_parameter(region: dict[str, Any]) -> None:
    """An ORM ``__in`` over ``id_rows``: the right rows, and the same statement with one
    parameter for one id or a thousand (the absence detection passes a school's pupils)."""
    schools = [region["school_a"].pk, region["school_b"].pk]
    executed: list[tuple[str, tuple[Any, ...]]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    for ids in ([schools[0]], [*schools, *range(10**6, 10**6 + 1000)], []):
        with connection.execute_wrapper(capture):
            found = set(
                Organisation.objects.filter(pk__in=id_rows(ids)).values_list("pk", flat=True)
            )
        assert found == set(ids) & set(schools)
    (one, one_params), (many, many_params), (none, _none) = executed
    assert one == many == none
    assert len(one_params) == len(many_params) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's adaptation")
def test_an_id_list_is_sent_as_one_bigint_array_literal() -> None:
    """Issue 10 (session 41): ``id_list`` (and ``id_rows``, ``id_texts``, the prepared
    queries' ids) is sent as one ``bigint[]`` literal, not adapted by psycopg id by id (which
    also typed small ids as ``smallint[]``): the same array, for none, one or very large ids,
    wherever a statement reads it (``= ANY``, ``unnest``)."""
    from psycopg.adapt import PyFormat

    from passend.statements import IdArray, _IdArrayDumper, id_list

    ids = [3, 2**40, 7, 3]
    connection.ensure_connection()
    adapters = connection.connection.adapters  # type: ignore[union-attr]
    assert adapters.get_dumper(IdArray, PyFormat.AUTO) is _IdArrayDumper
    assert _IdArrayDumper(IdArray).dump(id_list(ids)) == b"{3,1099511627776,7,3}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_typeof(%s)::text, %s::bigint[], cardinality(%s), "
            "(SELECT array_agg(x ORDER BY x) FROM unnest(%s::bigint[]) x WHERE x = ANY(%s))",
            [id_list(ids), id_list(ids), id_list([]), id_list(range(1, 10)), id_list(ids)],
        )
        assert cursor.fetchone() == ("bigint[]", ids, 0, [3, 7])


def _read(rows: list[tuple[Any, tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """Each row's columns, its joined rows' columns (None for an empty join) and its extras."""
    found = []
    for instance, extra in rows:
        joined = [
            None if getattr(instance, name) is None else values(getattr(instance, name))
            for name in ("requested_membership", "school")
            if hasattr(type(instance), name)
        ]
        found.append((values(instance), joined, extra))
    return found


def test_together_reads_each_statements_rows_as_its_own_in_one_round_trip(
    region: dict[str, Any],
) -> None:
    """``Together``: one statement, and per statement the same instances, joined rows,
    extras and order as its own ``rows`` (its order by ``order``, here against the order the
    rows were made in), a statement that finds nothing included."""
    from django.db.models import BigIntegerField

    from passend.statements import Together, ordering

    user = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="verzuim-tg")
    membership = Membership.objects.get(user=user)
    for member in (membership, None, membership):
        AbsenceImport.objects.create(
            school=region["school_a"], source="somtoday", requested_membership=member
        )
    imports = Statement(
        AbsenceImport,
        joins=("requested_membership", "requested_membership__organisation", "school"),
        tail="WHERE t.school_id = %s",
        order="t.id DESC",
    )
    schools = Statement(
        Organisation,
        extra=("t.id * 2",),
        extra_fields=(BigIntegerField(),),
        tail="WHERE t.id IN (%s, %s)",
        order=ordering(Organisation, "t", tie="t.id"),
    )
    nobody = Statement(Membership, tail="WHERE t.organisation_id = %s", order="t.id")
    together = Together((("imports", imports), ("schools", schools), ("nobody", nobody)))
    params = {
        "imports": [region["school_a"].pk],
        "schools": [region["school_b"].pk, region["school_a"].pk],
        "nobody": [0],
    }
    with CaptureQueriesContext(connection) as captured:
        found = together.rows(params)
    assert len(captured) == 1
    assert _read(found["imports"]) == _read(imports.rows(params["imports"]))
    assert [i.pk for i, _extra in found["imports"]] == sorted(
        AbsenceImport.objects.values_list("pk", flat=True), reverse=True
    )
    assert found["imports"][1][0].requested_membership is None
    assert _read(found["schools"]) == _read(schools.rows(params["schools"]))
    assert [(o.name, extra) for o, extra in found["schools"]] == sorted(
        (o.name, (o.pk * 2,)) for o in (region["school_a"], region["school_b"])
    )
    assert found["nobody"] == []
    with CaptureQueriesContext(connection) as captured:
        first = found["imports"][0][0]
        assert first.requested_membership.organisation == region["school_a"]
        assert first.school is found["imports"][2][0].school
    assert len(captured) == 0


def test_together_refuses_an_order_in_the_tail_and_an_extra_without_its_type() -> None:
    from passend.statements import Together

    ordered = Statement(Organisation, tail="WHERE t.id = %s ORDER BY t.id")
    untyped = Statement(Organisation, tail="WHERE t.id = %s", extra=("t.id * 2",))
    plain = Statement(Organisation, tail="WHERE t.id = %s")
    with pytest.raises(ValueError, match="order"):
        _ = Together((("plain", plain), ("ordered", ordered))).sql
    with pytest.raises(ValueError, match="extra_fields"):
        _ = Together((("plain", plain), ("untyped", untyped))).sql
