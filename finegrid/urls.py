"""Top-level URL map: pages, the REST API, the admin and the language switch."""

from django.contrib import admin
from django.urls import include, path

from finegrid import adminsite  # noqa: F401  (sets the admin site's titles)
from finegrid.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workforce/", include("finegrid.workforce.urls")),
    path("", include("finegrid.campaigns.urls")),
    path("", include("finegrid.partners.urls")),
    path("", include("finegrid.cases.urls")),
    path("open311/v2/", include("finegrid.cases.open311_urls")),
    path("", include("finegrid.web.urls")),
]
