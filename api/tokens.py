"""Pages of the API: a user's own tokens (create, shown once; list; revoke) and the API docs."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import services
from api.models import ApiToken
from tracker import twofactor

LIFETIMES = [(7, _("7 days")), (30, _("30 days")), (90, _("90 days")), (365, _("1 year"))]


class TokenForm(forms.Form):
    """Name a new token, choose what it may do and how long it lasts."""

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What will use it, e.g. “R notebook”.")
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("A token never allows more than your role does."),
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"), choices=LIFETIMES, coerce=int, initial=90
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "token_%s")
        super().__init__(*args, **kwargs)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def token_list(request):
    """List the user's tokens; on POST create one and show its key this once."""
    form = TokenForm(request.POST or None)
    created, key, status = None, "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, key = services.token_create(
                    user=request.user,
                    two_factor_verified=request.user.is_verified(),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            else:
                form = TokenForm()
        else:
            status = 400
    tokens = request.user.api_tokens.annotate(use_count=Count("uses"))
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "created": created,
            "key": key,
            "two_factor_required": twofactor.required_for(request.user),
            "keep_days": settings.API_TOKEN_USE_KEEP_DAYS,
        },
        status=status,
    )


@require_POST
@login_required
def token_revoke(request, pk):
    """Revoke one of the user's own tokens; anyone else's does not exist for them."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(token=token, by=request.user)
    messages.success(
        request,
        gettext("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
    )
    return redirect("api:tokens")


@require_GET
@login_required
def api_docs(request):
    """Show the API's documentation (Swagger UI, served by the app, under the CSP)."""
    return render(request, "api/docs.html")
