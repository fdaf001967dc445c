"""The leaders' figures under ``/api/v1/`` (cockpit, reports, 图谱), one module per page family;
``register`` adds them to the API router and ``urlpatterns`` holds the plain paths."""

from django.urls import path

from dashboard.api.atlas import AtlasView
from dashboard.api.cockpit import CockpitView
from dashboard.api.reports import ReportExportView, ReportView

urlpatterns: list = [
    path("atlas/", AtlasView.as_view(), name="api_atlas"),
    path("cockpit/", CockpitView.as_view(), name="api_cockpit"),
    path("reports/", ReportView.as_view(), name="api_reports"),
    path("reports/export/", ReportExportView.as_view(), name="api_report_export"),
]
