"""The signed-in user's notifications: the list, marking them read, and how to be e-mailed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from tracker import notifications, services
from tracker.forms import NotificationEmailForm
from tracker.models import Notification

PAGE_SIZE = 50


@require_GET
@login_required
def notification_list(request):
    """List the user's notifications, newest first, unread ones marked."""
    rows = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    form = NotificationEmailForm(initial={"email": notifications.email_choice(request.user)})
    return render(request, "tracker/notification_list.html", {"page_obj": page, "form": form})


@require_POST
@login_required
def notification_read(request, pk=None):
    """Mark one notification (or, without one, all of them) read; open it if asked."""
    notification = None
    if pk is not None:
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    count = services.notification_mark_read(by=request.user, notification=notification)
    if notification is not None and "open" in request.POST:
        target = notification.url
        if url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
            return redirect(target)
    if notification is None:
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked read.", "%(count)s notifications marked read.", count
            )
            % {"count": count},
        )
    return redirect("notification_list")


@require_POST
@login_required
def notification_settings(request):
    """Save how the user wants to be e-mailed."""
    form = NotificationEmailForm(request.POST)
    if not form.is_valid():
        rows = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
        page = Paginator(rows, PAGE_SIZE).get_page(1)
        return render(
            request,
            "tracker/notification_list.html",
            {"page_obj": page, "form": form},
            status=400,
        )
    preference = services.notification_set_email(by=request.user, email=form.cleaned_data["email"])
    messages.success(
        request, gettext("E-mail: %(choice)s.") % {"choice": preference.get_email_display().lower()}
    )
    return redirect("notification_list")
