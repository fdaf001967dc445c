"""Reminder pages: my reminders, and what was sent to whom (filled in by the reminders work)."""

app_name = "reminders"
urlpatterns: list = []
