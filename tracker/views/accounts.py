"""The signed-in user's own account: the password (throttled like the sign-in) and two-factor
sign-in (setting up an authenticator app, entering its codes, recovery codes)."""

import math

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from tracker import audit, services, twofactor
from tracker.forms import (
    CodeForm,
    CurrentCodeForm,
    EnrolmentCodeForm,
    ThrottledPasswordChangeForm,
)
from tracker.models import EnrolmentCode


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


password_change = PasswordChangeView.as_view()


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _throttled(device) -> str:
    """Return why `device` takes no code yet, saying how long to wait ('' if it takes one).

    Each wrong code in a row doubles the wait (django-otp's throttle: 1, 2, 4… seconds).
    """
    allowed, details = device.verify_is_allowed()
    if allowed:
        return ""
    details = details or {}
    count = details.get("failure_count") or 0
    until = details.get("locked_until")
    left = math.ceil((until - timezone.now()).total_seconds()) if until else 1
    minutes, seconds = divmod(max(left, 1), 60)
    parts = []
    if minutes:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if seconds:
        parts.append(ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds})
    if count == 1:
        after = gettext("1 wrong code")
    else:
        after = ngettext(
            "%(count)s wrong code in a row", "%(count)s wrong codes in a row", count
        ) % {"count": count}
    return gettext("After %(after)s, wait %(wait)s, then enter the newest code the app shows.") % {
        "after": after,
        "wait": " ".join(parts),
    }


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request):
    """Ask for the second factor after the password: a code from the app or a recovery code."""
    user = request.user
    device = twofactor.confirmed_device(user)
    if device is None:
        return redirect("two_factor_setup")
    if user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        left = None
        refusal = _throttled(device)
        if refusal:
            audit.two_factor("failed", request, user, reason="throttled")
            form.add_error("code", refusal)
        elif code.isdigit() and len(code) == 6:
            if device.verify_token(code):
                otp_login(request, device)
                audit.two_factor("verified", request, user)
                return redirect(_next_url(request))
        else:
            left = services.recovery_code_use(user=user, code=code)
            if left is not None:
                device.throttle_reset()
                otp_login(request, device)
                audit.two_factor("recovery-code-used", request, user, left=left)
                messages.warning(
                    request,
                    gettext(
                        "You signed in with a recovery code; %(left)s remain. If you lost your "
                        "authenticator, set it up again and print new codes on your account page."
                    )
                    % {"left": left},
                )
                return redirect(_next_url(request))
            device.throttle_increment()
        if not form.errors:
            audit.two_factor("failed", request, user)
            form.add_error(
                "code",
                gettext("That code is not right, or was already used. Nothing was signed in."),
            )
        status = 400
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


# The session remembers the enrolment code a user gave, between its step and the app's.
_ENROLMENT_CODE = "two_factor_enrolment_code"


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request):
    """Set up an authenticator app, or, once set up, see its state and renew recovery codes.

    A user who must use two-factor sign-in first enters the enrolment code an administrator
    gave them, so that their password alone cannot attach someone else's phone.
    """
    user = request.user
    device = twofactor.confirmed_device(user)
    if device is not None:
        if not user.is_verified():
            return redirect("two_factor_verify")
        return _enrolled(request, device)

    pending = services.totp_device_start(user=user)
    required = twofactor.required_for(user)
    enrolment_code = None
    if required:
        enrolment_code = _accepted_enrolment_code(request)
        if enrolment_code is None:
            return _ask_enrolment_code(request, pending)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = _throttled(pending)
        if refusal:
            form.add_error("code", refusal)
        else:
            codes = services.totp_device_confirm(
                device=pending,
                token=form.cleaned_data["code"].strip(),
                by=user,
                enrolment_code=enrolment_code,
            )
            if codes is not None:
                request.session.pop(_ENROLMENT_CODE, None)
                otp_login(request, pending)
                audit.two_factor("enrolled", request, user)
                return _show_codes(request, codes)
            form.add_error(
                "code", gettext("That code is not right: enter the newest one the app shows.")
            )
        status = 400
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "enrolled": False,
            "form": form,
            "qr_svg": mark_safe(twofactor.qr_svg(pending)),  # drawn here from our own data
            "secret": twofactor.secret_text(pending),
            "required": required,
            "next": _next_url(request),
        },
        status=status,
    )


def _accepted_enrolment_code(request):
    """Return the enrolment code this session gave, if it is still good."""
    pk = request.session.get(_ENROLMENT_CODE)
    if pk is None:
        return None
    code = EnrolmentCode.objects.filter(
        pk=pk, user=request.user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if code is None:
        request.session.pop(_ENROLMENT_CODE, None)
    return code


def _ask_enrolment_code(request, pending):
    """Ask for the administrator's enrolment code; once it is right, go on to the app's step."""
    user = request.user
    # Any post here is taken as this step's: a code from an app alone is refused.
    form = EnrolmentCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and form.is_valid():
        # Wrong enrolment codes slow the next try as wrong codes from an app do.
        if _throttled(pending):
            form.add_error(
                "enrolment_code", gettext("Too many wrong codes in a row: wait a few seconds.")
            )
        else:
            code = services.enrolment_code_find(user=user, code=form.cleaned_data["enrolment_code"])
            if code is not None:
                pending.throttle_reset()
                request.session[_ENROLMENT_CODE] = code.pk
                next_url = _next_url(request)
                return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': next_url})}")
            pending.throttle_increment()
            audit.two_factor("failed", request, user, reason="enrolment-code")
            form.add_error(
                "enrolment_code",
                gettext(
                    "That enrolment code is not right, was already used or has expired. Ask an "
                    "administrator for a new one."
                ),
            )
    if form.is_bound:
        status = 400
    return render(
        request,
        "registration/two_factor_setup.html",
        {"enrolled": False, "enrolment_form": form, "required": True, "next": _next_url(request)},
        status=status,
    )


def _enrolled(request, device):
    """Show the state of two-factor sign-in; replace the recovery codes on a current code."""
    user = request.user
    form = CurrentCodeForm(request.POST if request.POST.get("action") == "new-codes" else None)
    status = 200
    if form.is_bound and form.is_valid():
        if _throttled(device):
            form.add_error("code", "Too many wrong codes in a row: wait a few seconds.")
        else:
            codes = services.recovery_codes_issue(user=user, token=form.cleaned_data["code"])
            if codes is not None:
                audit.two_factor("recovery-codes-renewed", request, user)
                return _show_codes(request, codes)
            audit.two_factor("failed", request, user, reason="new-recovery-codes")
            form.add_error(
                "code",
                "That code is not right: enter the newest one the app shows. Your recovery "
                "codes were not changed.",
            )
    if form.is_bound:
        status = 400
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "enrolled": True,
            "codes_form": form,
            "codes_left": user.recovery_codes.filter(used_at__isnull=True).count(),
            "required": twofactor.required_for(user),
        },
        status=status,
    )


def _show_codes(request, codes):
    messages.success(request, gettext("Two-factor sign-in is on for your account."))
    return render(
        request,
        "registration/two_factor_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )
