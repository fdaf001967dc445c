"""Cross-app pages at the site root."""

from django.urls import path

from dashboard.views import atlas, cockpit, reports, team, work

app_name = "dashboard"
urlpatterns = [
    path("", work.landing, name="landing"),
    path("work/", work.my_work_page, name="my_work"),
    path("team/", team.team_page, name="team"),
    path("cockpit/", cockpit.cockpit_page, name="cockpit"),
    path("map/", atlas.atlas_page, name="atlas"),
    path("map/links/<int:pk>/", atlas.atlas_link_page, name="atlas_link"),
    path("reports/", reports.report_page, name="reports"),
    path("reports/export.xlsx", reports.report_export, name="report_export"),
]
