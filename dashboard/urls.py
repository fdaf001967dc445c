"""Cross-app pages at the site root."""

from django.urls import path

from dashboard.views import work

app_name = "dashboard"
urlpatterns = [
    path("", work.my_work_page, name="my_work"),
]
