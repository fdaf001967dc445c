"""Account pages (the user's own profile and password), and helpers every app's views share."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.forms import ProfileForm


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go after a form: the request's ``next`` if it stays on this site, else ``default``.

    ``next`` comes from the page (the current URL), but anyone can craft a link or form that
    sends the user elsewhere after a real action here (an open redirect).
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


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
