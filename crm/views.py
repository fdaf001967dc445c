"""Account pages (profile, API tokens, password, the lockout page), and helpers every app's
views share."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from crm.auth_events import lockout_message, password_changed
from crm.forms import NotificationPreferencesForm, ProfileForm, TokenCreateForm
from crm.notifications.notices import preferences_save
from crm.tokens import RevokeReason, token_create, token_for_user, token_revoke, tokens_for_user


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


def _profile_page(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    token_form: TokenCreateForm | None = None,
    preferences_form: NotificationPreferencesForm | None = None,
    new_key: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "crm/profile.html",
        {
            "form": form or ProfileForm(instance=request.user),
            "token_form": token_form or TokenCreateForm(),
            "preferences_form": preferences_form or NotificationPreferencesForm(user=request.user),
            "tokens": tokens_for_user(user=request.user),
            "new_key": new_key,
            "token_ttl_days": settings.API_TOKEN_TTL_DAYS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Edit one's name, email, phone and the digest switch, or (the form posting
    ``preferences``) how one hears of each kind of event; the page also lists one's tokens."""
    if request.method == "POST" and "preferences" in request.POST:
        preferences = NotificationPreferencesForm(request.POST, user=request.user)
        if not preferences.is_valid():
            return _profile_page(request, preferences_form=preferences, status=400)
        preferences_save(user=request.user, channels=preferences.cleaned_data)
        messages.success(request, _("通知设置已保存。"))
        return redirect(f"{reverse('profile')}#notice-preferences")
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("个人信息已保存。"))
        return redirect("profile")
    return _profile_page(request, form=form, status=400 if form.errors else 200)


@never_cache  # the page shows the new key once: no cache may keep it
@login_required
@require_http_methods(["POST"])
def api_token_create(request: HttpRequest) -> HttpResponse:
    """A new personal API token. The key is in this response only (no redirect keeps it)."""
    token_form = TokenCreateForm(request.POST)
    if not token_form.is_valid():
        return _profile_page(request, token_form=token_form, status=400)
    _token, key = token_create(
        user=request.user, name=token_form.cleaned_data["name"], request=request
    )
    return _profile_page(request, new_key=key)


@login_required
@require_http_methods(["POST"])
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = token_for_user(user=request.user, token_id=token_id)
    if token_revoke(token=token, actor=request.user, reason=RevokeReason.USER, request=request):
        messages.success(request, _("令牌 %(prefix)s… 已吊销。") % {"prefix": token.prefix})
    return redirect("profile")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, validators, session kept), then the user's API
    tokens are revoked and the change is logged (``crm.auth_events.password_changed``)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form: Form) -> HttpResponse:
        response = super().form_valid(form)
        revoked = password_changed(user=form.user, actor=self.request.user, request=self.request)
        if revoked:
            messages.success(
                self.request,
                _("密码已修改，原有的 %(count)s 个 API 令牌已吊销。") % {"count": revoked},
            )
        else:
            messages.success(self.request, _("密码已修改。"))
        return response

    def form_invalid(self, form: Form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers to a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``): JSON for
    the API's token endpoint, the login page with the lockout notice for a browser."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    context = {
        "form": AuthenticationForm(request),
        "lockout_message": message,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
