"""Account pages: sign in and out, and the user's own profile and password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Edit one's name, email, phone and the digest switch."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("个人信息已保存。"))
        return redirect("profile")
    return render(
        request,
        "crm/profile.html",
        {"form": form, "password_form": PasswordChangeForm(request.user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's password and stay signed in."""
    password_form = PasswordChangeForm(request.user, request.POST)
    if password_form.is_valid():
        user = password_form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect("profile")
    return render(
        request,
        "crm/profile.html",
        {"form": ProfileForm(instance=request.user), "password_form": password_form},
        status=400,
    )
