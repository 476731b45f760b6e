"""Agencies' identity providers, set up by system administrators in the Django admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.actions import record
from officers.models import Officer, Role

from .models import ExternalIdentity, IdentityProvider


def _system_admin(request: HttpRequest) -> bool:
    user = request.user
    return (isinstance(user, Officer) and user.is_active and user.is_staff
            and user.role == Role.SYSTEM_ADMIN)


class SystemAdministratorsOnly(admin.ModelAdmin):
    """Only system administrators see or change single sign-on; an agency never configures its own."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _system_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _system_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _system_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _system_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _system_admin(request)


class IdentityProviderForm(forms.ModelForm):
    """The client secret is written, never shown back: left empty, the saved one stays."""

    issuer = forms.URLField(max_length=300, assume_scheme="https")
    client_secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False)

    class Meta:
        model = IdentityProvider
        fields = ["agency", "issuer", "client_id", "client_secret", "allowed_email_domains", "enabled",
                  "trusts_idp_mfa"]

    def clean_client_secret(self) -> str:
        secret = self.cleaned_data.get("client_secret") or (self.instance.client_secret if self.instance.pk else "")
        if not secret:
            raise forms.ValidationError("The client secret is required.")
        return secret


@admin.register(IdentityProvider)
class IdentityProviderAdmin(SystemAdministratorsOnly):
    form = IdentityProviderForm
    list_display = ["agency", "issuer", "client_id", "enabled", "trusts_idp_mfa"]
    list_filter = ["enabled"]

    def save_model(self, request: HttpRequest, obj: IdentityProvider, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record("auth.sso.provider", actor=actor_of(request), obj=obj,
               details={"changed": sorted(form.changed_data), "enabled": obj.enabled,
                        "trusts_idp_mfa": obj.trusts_idp_mfa})


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(SystemAdministratorsOnly):
    list_display = ["officer", "provider", "subject", "linked_at"]
    search_fields = ["officer__username", "subject"]
    readonly_fields = ["officer", "provider", "subject", "linked_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # an officer links their own account, proving both sides

    def delete_model(self, request: HttpRequest, obj: ExternalIdentity) -> None:
        self.delete_queryset(request, ExternalIdentity.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExternalIdentity]) -> None:
        for identity in queryset.select_related("officer__agency"):
            record("auth.sso.unlink", actor=actor_of(request), obj=identity.officer,
                   details={"providers": [identity.provider_id], "by": "administrator"})
        queryset.delete()


def actor_of(request: HttpRequest) -> Officer | None:
    return request.user if isinstance(request.user, Officer) else None
