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
