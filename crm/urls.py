"""Sign in, sign out, the profile page with its API tokens, and the password change (no
namespace: settings name ``login``); the 导入台账 pages under ``imports:``; the files and
comments of records."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm import files_views, imports_views, search_views, views

# 导入台账 (``crm.imports``): the log, upload → preview → confirm, and the templates.
import_patterns = (
    [
        path("", imports_views.import_list, name="list"),
        path("new/", imports_views.import_new, name="new"),
        path("<int:pk>/", imports_views.import_detail, name="detail"),
        path("<int:pk>/commit/", imports_views.import_commit, name="commit"),
        path("template/<slug:kind>.xlsx", imports_views.import_template, name="template"),
    ],
    "imports",
)

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/tokens/", views.api_token_create, name="profile_token_create"),
    path(
        "profile/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="profile_token_revoke"
    ),
    path("imports/", include(import_patterns)),
    # The global search (top bar): the results page and the box's dropdown.
    path("search/", search_views.search, name="search"),
    path("search/suggest/", search_views.search_suggest, name="search_suggest"),
    # Attachments and comments of any record registered in crm.registry.attachable; the
    # download checks who asks every time (crm.files_views).
    path("files/<int:pk>/remove/", files_views.attachment_remove, name="attachment_remove"),
    path("files/<int:pk>/<str:name>", files_views.attachment_download, name="attachment_download"),
    path(
        "records/<str:model>/<int:pk>/files/",
        files_views.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "records/<str:model>/<int:pk>/comments/",
        files_views.comment_create,
        name="comment_create",
    ),
    path(
        "records/<str:model>/<int:pk>/mentions/",
        files_views.mention_candidates,
        name="mention_candidates",
    ),
]
