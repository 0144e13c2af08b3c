"""Rooms and chairs: each clinic admin keeps their own clinic's, and retires them, never deletes."""

from django.contrib import admin

from ..models import Resource
from .base import ClinicScopedAdmin


@admin.register(Resource)
class ResourceAdmin(ClinicScopedAdmin):
    list_display = ["name", "kind", "capacity", "active", "clinic"]
    list_filter = ["kind", "active", "clinic"]
    search_fields = ["name"]
    list_select_related = ["clinic"]
    fields = ["clinic", "name", "kind", "capacity", "active"]

    def has_delete_permission(self, request, obj=None):
        return False  # appointments name it for ever: untick "active" instead
