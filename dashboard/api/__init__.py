"""The leaders' figures under ``/api/v1/`` (cockpit, reports, 图谱), one module per page family;
``register`` adds them to the API router and ``urlpatterns`` holds the plain paths."""

urlpatterns: list = []
