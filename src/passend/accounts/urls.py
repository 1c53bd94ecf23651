from django.urls import path

from passend.accounts import views

app_name = "accounts"

urlpatterns = [
    # Reachable before the second factor (see middleware.TWO_FACTOR_EXEMPT_PREFIXES).
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    # Everything below needs a verified second factor.
    path("membership/", views.choose_membership, name="choose_membership"),
    path("security/", views.security, name="security"),
    path(
        "security/backup-codes/",
        views.regenerate_backup_codes,
        name="security_backup_codes",
    ),
    path(
        "security/authenticator/",
        views.replace_authenticator,
        name="security_authenticator",
    ),
    path("security/password/", views.password_change, name="password_change"),
]
