"""Reminder pages: my reminders, and what was sent to me."""

from django.urls import path

from crm import reminder_views

app_name = "reminders"
urlpatterns = [
    path("", reminder_views.reminder_list, name="list"),
    path("<int:pk>/", reminder_views.reminder_detail, name="detail"),
]
