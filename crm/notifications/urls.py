"""Reminder pages: my reminders, and what was sent to me."""

from django.urls import path

from crm.notifications import views

app_name = "reminders"
urlpatterns = [
    path("", views.reminder_list, name="list"),
    path("<int:pk>/", views.reminder_detail, name="detail"),
]
