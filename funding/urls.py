from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from . import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # For clients that ask without reading <link rel="icon"> (the static name, per request).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("records/", include("records.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reporting.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("api/", include("api.urls")),
    path("", views.home, name="home"),
    path("programmes/<int:pk>/settings/", views.programme_settings_page, name="programme-settings"),
    path("", include("applications.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("decisions.urls")),
]
