"""Pages of projects, the board and 对上争取."""

from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("board/", views.board, name="board"),
    path("board/menu/", views.card_menu, name="card_menu"),
    path("export/", views.project_export, name="export"),
    path("new/", views.project_create, name="create"),
    path("from-lead/<int:lead_pk>/", views.lead_convert, name="from_lead"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/transition/", views.project_transition, name="transition"),
    path("<int:pk>/capital-increase/", views.capital_increase_create, name="capital_increase"),
    path("<int:pk>/funds/", views.funds_arrival_create, name="funds_arrival"),
    path("<int:pk>/progress/", views.progress_create, name="progress_create"),
    path("<int:pk>/tasks/", views.task_create, name="task_create"),
    path("progress/<int:pk>/solve/", views.progress_solve, name="progress_solve"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("support/", views.support_list, name="support_list"),
    path("support/export/", views.support_export, name="support_export"),
    path("support/new/", views.support_create, name="support_create"),
    path("support/<int:pk>/", views.support_detail, name="support_detail"),
    path("support/<int:pk>/edit/", views.support_edit, name="support_edit"),
]
