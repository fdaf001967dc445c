"""The REST API, version 1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from dashboard.api import urlpatterns as dashboard_api_urls
from leads.api import register as register_leads
from projects.api import register as register_projects

router = DefaultRouter()
register_leads(router)
register_projects(router)

urlpatterns = [
    path("", include(router.urls)),
    path("auth/", include("crm.api_urls")),
    *dashboard_api_urls,
]
