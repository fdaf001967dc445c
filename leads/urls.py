"""Lead pages under /leads/."""

from django.urls import path

from leads import target_views, views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("export/", views.lead_export, name="export"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/menu/", views.card_menu, name="card_menu"),
    path("new/", views.lead_create, name="create"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/transition/", views.lead_transition, name="transition"),
    path("<int:pk>/follow-ups/", views.follow_up_create, name="follow_up_create"),
    path("<int:pk>/approval/", views.approval_request, name="approval_request"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval_decide"),
    path("targets/", target_views.target_list, name="target_list"),
    path("targets/export/", target_views.target_export, name="target_export"),
    path("targets/new/", target_views.target_create, name="target_create"),
    path("targets/<int:pk>/", target_views.target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", target_views.target_edit, name="target_edit"),
    path("targets/<int:pk>/convert/", target_views.target_convert, name="target_convert"),
    path("targets/<int:pk>/delete/", target_views.target_delete, name="target_delete"),
]
