"""Sign in, sign out, the profile page with its API tokens, and the password change (no
namespace: settings name ``login``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from crm import views

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
]
