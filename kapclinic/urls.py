from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from kapclinic.clinic import views as clinic_views

# The admin signs in through allauth too, so it gets the rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "KAP Clinic administration"
admin.site.site_title = "KAP Clinic admin"

# allauth's rate limits answer through this (a paused sign-in while Redis is down).
handler429 = "kapclinic.clinic.views.too_many_requests"

# The trail as its patient sees it is a patient page of the clinic (the trail imports no clinic).
WHO_VIEWED_MY_RECORD = path(
    "my-record/", clinic_views.WhoViewedMyRecordView.as_view(), name="who-viewed"
)

urlpatterns = [
    path("", clinic_views.home, name="home"),
    path("keep-alive/", clinic_views.keep_alive, name="keep-alive"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include(([WHO_VIEWED_MY_RECORD], "audit"))),
    path("billing/", include("kapclinic.billing.urls")),
    path("calendar/", include("kapclinic.calendar.urls")),
    path("intake/", include("intake.urls")),
    path("reminders/", include("kapclinic.reminders.urls")),
    path("reports/", include("kapclinic.reports.urls")),
    path("rems/", include("kapclinic.rems.urls")),
    path("sessions/", include("sessions.urls")),
    path("stock/", include("kapclinic.stock.urls")),
    path("integration/", include("integration.urls")),
    path("", include("kapclinic.clinic.urls")),
]

if settings.KAP_BENCH:
    # The benchmark's ceiling: the same server and middleware, no page behind it.
    urlpatterns.append(path("bench/bare/", clinic_views.bench_bare, name="bench-bare"))
