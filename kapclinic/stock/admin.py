"""Clinic admins set up the register (its start date, the safes and cabinets) and read it.

Lots, entries and discrepancies are written only by the register's own services (receipt,
dose, waste, count, resolution), so here they are read-only: the admin is a window on the
evidence, never a way round it.
"""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin

from .models import ControlledRegister, Discrepancy, LedgerEntry, StockLot, StorageLocation


@admin.register(ControlledRegister)
class ControlledRegisterAdmin(ClinicScopedAdmin):
    list_display = ("clinic", "kept_from")

    def has_delete_permission(self, request, obj=None):
        return False  # doses already drawn from the register stay accounted for


@admin.register(StorageLocation)
class StorageLocationAdmin(ClinicScopedAdmin):
    list_display = ("name", "clinic")
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger names it for ever


@admin.register(StockLot)
class StockLotAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ("lot_number", "product", "form", "unit_mg", "expiry", "supplier", "clinic")
    list_filter = ("product", "form")
    search_fields = ("lot_number", "supplier")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ("at", "kind", "lot", "location", "quantity_mg", "balance_after_mg")
    list_filter = ("kind",)
    date_hierarchy = "at"


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ("lot", "location", "expected_mg", "counted_mg", "opened_at", "resolved_at")
