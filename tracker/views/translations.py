"""Translations of a recommendation's official text: the form on its page, and its two actions.

The official text is never replaced: the page shows the translation of the reader's language
beside it, marked as a translation.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tracker import services
from tracker.forms import RecommendationTranslationForm
from tracker.models import Recommendation
from tracker.views.recommendations import _get_recommendation_for_user, _render_detail
from tracker.views.translation_parts import language_name


@require_POST
@login_required
@permission_required("tracker.change_status", raise_exception=True)
def recommendation_translation(request, pk):
    """Add or correct the translation of the recommendation into one language."""
    recommendation = _get_recommendation_for_user(request, pk)
    form = RecommendationTranslationForm(request.POST)
    if form.is_valid():
        language = form.cleaned_data["language"]
        try:
            done = services.recommendation_translate(
                recommendation=recommendation,
                language=language,
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            words = {"language": language_name(language), "reference": recommendation.reference}
            if done is None:
                messages.info(
                    request,
                    _("The %(language)s translation of %(reference)s was unchanged.") % words,
                )
            else:
                messages.success(
                    request, _("The %(language)s translation of %(reference)s was saved.") % words
                )
            return redirect(recommendation)
    return _render_detail(request, recommendation, status=400, translation_form=form)


@require_POST
@login_required
@permission_required("tracker.change_status", raise_exception=True)
def recommendation_translation_remove(request, pk, language):
    """Remove the translation of the recommendation into `language`."""
    recommendation = get_object_or_404(Recommendation, pk=pk)
    try:
        removed = services.recommendation_translation_remove(
            recommendation=recommendation, language=language, by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        words = {"language": language_name(language), "reference": recommendation.reference}
        if removed:
            messages.success(
                request, _("The %(language)s translation of %(reference)s was removed.") % words
            )
        else:
            messages.info(
                request, _("%(reference)s had no %(language)s translation to remove.") % words
            )
    return redirect(recommendation)
