"""The REST API, version 1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from leads.api import register as register_leads

router = DefaultRouter()
register_leads(router)

urlpatterns = [
    path("", include(router.urls)),
    path("auth/", include("crm.api_urls")),
]
