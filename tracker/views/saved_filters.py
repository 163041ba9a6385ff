"""A user's saved filters of the lists: save the current ones under a name, or forget them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from tracker import services
from tracker.forms import SavedFilterForm
from tracker.models import SavedFilter


@require_POST
@login_required
def saved_filter_save(request):
    """Save the filters the user is looking at, then show the list with them again."""
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(
                    request, gettext("The filters were not saved: %(why)s") % {"why": error}
                )
        list_name = request.POST.get("list_name")
        target = (
            "evidence_list" if list_name == SavedFilter.List.EVIDENCE else "recommendation_list"
        )
        return redirect(target)
    try:
        saved = services.saved_filter_save(
            by=request.user,
            list_name=form.cleaned_data["list_name"],
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
        )
    except ValidationError as exc:
        messages.error(
            request,
            gettext("The filters were not saved: %(why)s") % {"why": " ".join(exc.messages)},
        )
        return redirect("home")
    messages.success(
        request,
        gettext("Filters saved as “%(name)s”; they are listed on your home page.")
        % {"name": saved.name},
    )
    return redirect(saved.get_absolute_url())


@require_POST
@login_required
def saved_filter_delete(request, pk):
    """Forget one of the user's saved filters."""
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    services.saved_filter_delete(by=request.user, saved_filter=saved)
    messages.success(request, gettext("Saved filters “%(name)s” removed.") % {"name": saved.name})
    return redirect("home")
