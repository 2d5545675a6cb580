"""Admins create tokens here; the key is shown once, in the confirmation message."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from il2monitor.tokens.models import ApiToken
from il2monitor.tokens.services import api_token_create, api_token_revoke


class ApiTokenCreationForm(forms.ModelForm[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope"]

    def clean_user(self) -> Any:
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise forms.ValidationError("This user is inactive.")
        return user


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = [
        "name",
        "user",
        "scope",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "state",
    ]
    list_filter = [ActiveFilter, "scope"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user", "created_by"]
    actions = ["revoke"]
    readonly_fields = [
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    @admin.display(description="state")
    def state(self, token: ApiToken) -> str:
        return (
            "active"
            if token.is_active
            else f"revoked {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}"
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        # A token's user and scope are fixed: revoke it and create another to change them.
        return [*self.readonly_fields, "user", "scope"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["user", "name", "scope"]
        return ["name", "user", "scope", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = api_token_create(user=obj.user, name=obj.name, scope=obj.scope, by=request.user)
        obj.pk = issued.token.pk
        obj.refresh_from_db()
        obj._state.adding = False
        messages.warning(
            request,
            f"The key of “{issued.token.name}” is {issued.key} — copy it now: it is stored "
            "hashed and will not be shown again.",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the token's record stays for audit

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(api_token_revoke(token=token, by=request.user) for token in queryset)
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
