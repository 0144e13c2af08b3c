"""Clinic admins set up the register in the Django admin; the evidence stays read-only there."""

from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.stock.models import StorageLocation


def test_a_clinic_admin_adds_a_storage_location_for_their_own_clinic(stock, staff_client):
    client = staff_client(stock.world.one.staff[Role.CLINIC_ADMIN])
    add = reverse("admin:stock_storagelocation_add")
    form = client.get(add).context["adminform"].form
    assert list(form.fields["clinic"].queryset) == [stock.clinic]
    response = client.post(add, {"clinic": stock.clinic.pk, "name": "Safe C"})
    assert response.status_code == 302
    assert StorageLocation.objects.filter(clinic=stock.clinic, name="Safe C").exists()


def test_register_entries_are_read_only_and_clinic_scoped_in_the_admin(stock, staff_client):
    stock.receive()
    client = staff_client(stock.world.one.staff[Role.CLINIC_ADMIN])
    listing = client.get(reverse("admin:stock_ledgerentry_changelist"))
    assert listing.status_code == 200
    rows = list(listing.context["cl"].result_list)
    assert rows and all(row.clinic_id == stock.clinic.pk for row in rows)
    entry = rows[0]
    assert client.get(reverse("admin:stock_ledgerentry_add")).status_code == 403
    delete = reverse("admin:stock_ledgerentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    location_delete = reverse("admin:stock_storagelocation_delete", args=[stock.safe.pk])
    assert client.post(location_delete, {"post": "yes"}).status_code == 403


def test_another_clinics_admin_sees_none_of_this_register(stock, staff_client):
    stock.receive()
    client = staff_client(stock.world.two.staff[Role.CLINIC_ADMIN])
    listing = client.get(reverse("admin:stock_ledgerentry_changelist"))
    assert list(listing.context["cl"].result_list) == []


def test_the_register_once_kept_cannot_be_moved_later_in_the_admin_or_a_shell(stock, staff_client):
    """Moving "kept from" later would let doses in between skip the register: once the
    register is in force its start date may move earlier, never later."""
    import datetime

    import pytest
    from django.core.exceptions import ValidationError

    from kapclinic.stock.models import ControlledRegister

    register = ControlledRegister.objects.get(clinic=stock.clinic)
    kept_from = register.kept_from
    later = stock.clinic.today() + datetime.timedelta(days=365)
    client = staff_client(stock.world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:stock_controlledregister_change", args=[register.pk])
    response = client.post(change, {"clinic": stock.clinic.pk, "kept_from": later.isoformat()})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "kept_from" in errors and "earlier" in str(errors["kept_from"])
    register.refresh_from_db()
    assert register.kept_from == kept_from

    register.kept_from = later
    with pytest.raises(ValidationError):
        register.save()
    register.kept_from = kept_from - datetime.timedelta(days=10)
    register.save()  # earlier: more doses accounted for, allowed


def test_a_location_named_in_the_register_cannot_be_renamed_in_the_admin_or_a_shell(
    stock, staff_client
):
    """Past entries point to the location row: renaming it would change where the register
    says the drug was when each entry was written. Once named in an entry, the name stays."""
    import pytest
    from django.core.exceptions import ValidationError

    stock.receive()
    client = staff_client(stock.world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:stock_storagelocation_change", args=[stock.safe.pk])
    response = client.post(change, {"clinic": stock.clinic.pk, "name": "Safe Z"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "name" in errors and "create a new location" in str(errors["name"])
    stock.safe.refresh_from_db()
    assert stock.safe.name == "Safe A"

    stock.safe.name = "Safe Z"
    with pytest.raises(ValidationError):
        stock.safe.save()
    unused = client.post(
        reverse("admin:stock_storagelocation_change", args=[stock.cabinet.pk]),
        {"clinic": stock.clinic.pk, "name": "Cabinet C"},
    )
    assert unused.status_code == 302  # no entry names it yet: a typo can still be fixed
    stock.cabinet.refresh_from_db()
    assert stock.cabinet.name == "Cabinet C"
