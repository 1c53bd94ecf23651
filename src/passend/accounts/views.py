"""Login with a mandatory second factor (PRV-08) and the choice of acting membership (ORG-02).

Flow: password (``login``) -> second factor: first time ``two_factor_setup`` (QR code, then
backup codes shown once), afterwards ``two_factor_verify`` (TOTP code or one-time backup
code) -> choice of membership when there are several. The session id is rotated after the
password and again after the second factor; logout flushes the session on the server.
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts import selectors, services
from passend.accounts.forms import (
    ChooseMembershipForm,
    ConfirmPasswordForm,
    ReplaceAuthenticatorForm,
    SetupTokenForm,
    TokenForm,
)
from passend.accounts.middleware import SESSION_EXPIRED, SESSION_MEMBERSHIP
from passend.privacy.context import AccessContext


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _totp_secret_context(device: TOTPDevice) -> dict[str, str]:
    """QR code (inline SVG as data URI, allowed by the CSP's img-src) and the typed secret."""
    qr = segno.make(device.config_url, error="m")
    svg = base64.b64encode(qr.svg_inline(scale=5).encode()).decode()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return {
        "qr_data_uri": f"data:image/svg+xml;base64,{svg}",
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


# --- Password ---------------------------------------------------------------------------------


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
@method_decorator(never_cache, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.session.pop(SESSION_EXPIRED, False):
            messages.info(request, _("Uw sessie is verlopen. Meld u opnieuw aan."))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        # A new login always starts from a fresh session: nothing (not even a verified second
        # factor of an earlier login) carries over, and the session id changes (PRV-08).
        next_url = self.get_redirect_url()
        self.request.session.flush()
        super().form_valid(form)
        # The password alone is never enough: continue to the second factor.
        user = form.get_user()
        target = (
            "accounts:two_factor_verify"
            if selectors.has_confirmed_device(user)
            else "accounts:two_factor_setup"
        )
        return HttpResponseRedirect(_with_next(reverse(target), next_url))


login_view = LoginView.as_view()


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # deletes the session row: the old cookie is worthless from now on
    messages.success(request, _("U bent afgemeld."))
    return redirect("accounts:login")


# --- Second factor at login -------------------------------------------------------------------


@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First enrolment of an authenticator app, right after the first password login."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if selectors.has_confirmed_device(user):
        return redirect(_with_next(reverse("accounts:two_factor_verify"), _safe_next_raw(request)))
    device = services.pending_totp_device(user)
    form = SetupTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        context = AccessContext.from_request(request)
        codes = services.confirm_totp_device(context, device, form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            request.session.cycle_key()
            # Shown once, in this response only; it is never stored in a cache (no-store).
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "continue_url": _safe_next(request)},
            )
        form.add_error("token", _("Deze code klopt niet. Controleer de tijd op uw telefoon."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "next": _safe_next_raw(request), **_totp_secret_context(device)},
    )


def _safe_next_raw(request: HttpRequest) -> str:
    """The ``next`` parameter if it is safe, else empty (to pass on, not to redirect to)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if selectors.is_verified(user):
        return HttpResponseRedirect(_safe_next(request))
    if not selectors.has_confirmed_device(user):
        return redirect(_with_next(reverse("accounts:two_factor_setup"), _safe_next_raw(request)))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        context = AccessContext.from_request(request)
        result, device = services.verify_second_factor(user, form.cleaned_data["token"])
        if result is services.SecondFactorResult.OK and device is not None:
            otp_login(request, device)
            request.session.cycle_key()
            services.log_authentication_event(
                context, user, "login_2fa", reason=type(device).__name__
            )
            return HttpResponseRedirect(_safe_next(request))
        services.log_authentication_event(
            context, user, "login_2fa_failed", denied=True, reason=result.value
        )
        if result is services.SecondFactorResult.THROTTLED:
            form.add_error(
                "token",
                _("Te veel onjuiste codes achter elkaar. Wacht even en probeer het opnieuw."),
            )
        else:
            form.add_error("token", _("Deze code klopt niet of is al gebruikt."))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _safe_next_raw(request)},
    )


# --- Acting membership (ORG-02) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def choose_membership(request: HttpRequest) -> HttpResponse:
    memberships = selectors.current_memberships(request.user)
    form = ChooseMembershipForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        chosen = next(m for m in memberships if m.pk == form.cleaned_data["membership"])
        request.session[SESSION_MEMBERSHIP] = chosen.pk
        request.membership = chosen  # type: ignore[attr-defined]
        services.log_authentication_event(
            AccessContext.from_request(request), request.user, "membership_chosen", obj=chosen
        )
        return HttpResponseRedirect(_safe_next(request))
    return render(
        request,
        "accounts/choose_membership.html",
        {"form": form, "memberships": memberships, "next": _safe_next_raw(request)},
    )


# --- Managing the second factor and the password (verified session only) ------------------------


@require_GET
def security(request: HttpRequest) -> HttpResponse:
    """ "Tweede factor beheren": status, new backup codes, another authenticator app."""
    return render(
        request,
        "accounts/security.html",
        {
            "status": selectors.second_factor_status(request.user),
            "backup_form": ConfirmPasswordForm(user=request.user, prefix="backup"),
        },
    )


@sensitive_post_parameters("backup-password")
@require_POST
def regenerate_backup_codes(request: HttpRequest) -> HttpResponse:
    form = ConfirmPasswordForm(request.POST, user=request.user, prefix="backup")
    context = AccessContext.from_request(request)
    if not form.is_valid():
        services.log_authentication_event(
            context, request.user, "2fa_change_refused", denied=True, reason="password"
        )
        return render(
            request,
            "accounts/security.html",
            {"status": selectors.second_factor_status(request.user), "backup_form": form},
            status=400,
        )
    codes = services.regenerate_backup_codes(context, request.user)
    return render(
        request,
        "accounts/backup_codes.html",
        {"codes": codes, "continue_url": reverse("accounts:security"), "renewed": True},
    )


@sensitive_post_parameters("password", "token")
@require_http_methods(["GET", "POST"])
def replace_authenticator(request: HttpRequest) -> HttpResponse:
    """Couple a new authenticator app; the old one stops working once the new one is confirmed."""
    user = request.user
    device = services.pending_totp_device(user)
    form = ReplaceAuthenticatorForm(request.POST or None, user=user)
    if request.method == "POST":
        context = AccessContext.from_request(request)
        if not form.is_valid():
            if "password" in form.errors:
                services.log_authentication_event(
                    context, user, "2fa_change_refused", denied=True, reason="password"
                )
        elif services.replace_totp_device(context, device, form.cleaned_data["token"]):
            # The session was verified with the old device, which no longer exists: bind it to
            # the new one (or keep the backup-code device it was verified with).
            if not isinstance(getattr(user, "otp_device", None), StaticDevice):
                otp_login(request, device)
            request.session.cycle_key()
            messages.success(request, _("Uw nieuwe authenticator-app is gekoppeld."))
            return redirect("accounts:security")
        else:
            form.add_error("token", _("Deze code klopt niet. Controleer de tijd op uw telefoon."))
    return render(
        request,
        "accounts/replace_authenticator.html",
        {"form": form, **_totp_secret_context(device)},
    )


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (with the validators of AUTH_PASSWORD_VALIDATORS).

    ``update_session_auth_hash`` keeps this session, and its verified second factor, alive;
    other sessions of the user end. The TOTP device and backup codes stay as they are.
    """

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form: Any) -> HttpResponse:
        services.change_password(AccessContext.from_request(self.request), form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Uw wachtwoord is gewijzigd."))
        return HttpResponseRedirect(self.get_success_url())


password_change = PasswordChangeView.as_view()
