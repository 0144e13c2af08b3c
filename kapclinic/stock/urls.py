from django.urls import path

from . import views

app_name = "stock"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("lots/<int:pk>/", views.LotHistoryView.as_view(), name="lot"),
    path("entries/<int:pk>/reverse/", views.ReverseEntryView.as_view(), name="reverse"),
    path("receive/", views.ReceiveView.as_view(), name="receive"),
    path("transfer/", views.TransferView.as_view(), name="transfer"),
    path("waste/", views.WasteView.as_view(), name="waste"),
    path("return/", views.ReturnView.as_view(), name="return"),
    path("locations/<int:pk>/count/", views.CountView.as_view(), name="count"),
    path("discrepancies/", views.DiscrepancyListView.as_view(), name="discrepancies"),
    path(
        "discrepancies/<int:pk>/resolve/",
        views.ResolveDiscrepancyView.as_view(),
        name="resolve",
    ),
    path("inventory/", views.InventoryView.as_view(), name="inventory"),
]
