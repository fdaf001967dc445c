"""Cross-app pages at the site root."""

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.my_work_page, name="my_work"),
]
