"""The REST API, version 1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from crm.imports_api import urlpatterns as import_api_urls
from crm.notifications.api import register as register_notices
from crm.search_api import SearchView
from dashboard.api import urlpatterns as dashboard_api_urls
from leads.api import register as register_leads
from projects.api import register as register_projects

router = DefaultRouter()
register_leads(router)
register_projects(router)
register_notices(router)

urlpatterns = [
    path("", include(router.urls)),
    path("auth/", include("crm.api_urls")),
    path("search/", SearchView.as_view(), name="api_search"),
    *import_api_urls,
    *dashboard_api_urls,
]
