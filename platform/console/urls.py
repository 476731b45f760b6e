"""The shell's URLs: sign-in and the pages every role shares."""

from django.urls import path

from . import second_factor, sso, views

urlpatterns = [
    path("", views.home, name="home"),
    path("purpose/", views.purpose, name="purpose"),
    path("language/", views.language, name="language"),
    path("preferences/", views.preferences, name="preferences"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    path("accounts/logout/everywhere/", views.sign_out_everywhere, name="logout-everywhere"),
    path("accounts/second-factor/", second_factor.manage, name="second-factor"),
    path("accounts/second-factor/code/", second_factor.verify, name="second-factor-verify"),
    path("accounts/second-factor/enrol/", second_factor.enrol, name="second-factor-enrol"),
    path("accounts/second-factor/recovery-codes/", second_factor.recovery_codes, name="second-factor-codes"),
    path("accounts/second-factor/<int:device_id>/remove/", second_factor.remove, name="second-factor-remove"),
    path("accounts/second-factor/passkey/", second_factor.add_passkey, name="second-factor-passkey"),
    path("accounts/second-factor/passkey/options/", second_factor.passkey_registration_options,
         name="second-factor-passkey-registration-options"),
    path("accounts/second-factor/passkey/sign-in-options/", second_factor.passkey_options,
         name="second-factor-passkey-options"),
    path("accounts/second-factor/passkeys/<int:device_id>/remove/", second_factor.remove, {"kind": "passkey"},
         name="second-factor-passkey-remove"),
    path("accounts/sso/", sso.choose, name="sso"),
    path("accounts/sso/start/<slug:agency_code>/", sso.start, name="sso-start"),
    path("accounts/sso/callback/", sso.callback, name="sso-callback"),
    path("accounts/sso/link/", sso.link, name="sso-link"),
    path("accounts/sso/link/start/", sso.link_start, name="sso-link-start"),
    path("accounts/sso/unlink/", sso.unlink, name="sso-unlink"),
    path("accounts/password/reset/", views.password_reset, name="password_reset"),
    path("accounts/password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("accounts/password/set/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/password/set/done/", views.password_reset_complete, name="password_reset_complete"),
]
