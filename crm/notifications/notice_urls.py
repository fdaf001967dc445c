"""The inbox (我的消息) and the task forces' group robots (群机器人), under ``/notices/``."""

from django.urls import path

from crm.notifications import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/open/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_read, name="read"),
    path("read-all/", views.notices_read_all, name="read_all"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
]
