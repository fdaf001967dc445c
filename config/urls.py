"""URL configuration: the pages of each app, the admin, and the REST API under /api/v1/."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm.api import not_found as api_not_found

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("crm.urls")),
    path("leads/", include("leads.urls")),
    path("projects/", include("projects.urls")),
    path("reminders/", include("crm.notifications.urls")),
    path("notices/", include("crm.notifications.notice_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The OpenAPI schema (token or session, like every endpoint) and its Swagger UI for signed-in
    # users; the split view serves its script as a file, so the page needs no inline script.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "api/v1/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api_schema")),
        name="api_docs",
    ),
    path("api/v1/", include("config.api_urls")),
    # Any other URL under /api/ (an id that is not a number: leads/0.5/) answers JSON too. Only
    # paths ending in "/": CommonMiddleware still redirects "leads" to "leads/" (APPEND_SLASH).
    re_path(r"^api/(?P<path>(?:.*/)?)$", api_not_found),
]

# The site's own error pages, in the product's look and language, when DEBUG is off.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
