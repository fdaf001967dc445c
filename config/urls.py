"""URL configuration: the pages of each app, the admin, and the REST API under /api/v1/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("crm.urls")),
    path("leads/", include("leads.urls")),
    path("projects/", include("projects.urls")),
    path("reminders/", include("crm.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]
