"""Sign in, sign out and the profile page (no namespace: settings name ``login``)."""

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
    path("profile/password/", views.password_change, name="password_change"),
]
