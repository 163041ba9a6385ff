"""The signed-in user's own account: changing the password, throttled like the sign-in."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Check the current password through the sign-in's authentication, throttle included.

    Django's form compares the password directly, so wrong guesses were never counted: a stolen
    session could try passwords without limit. Going through `authenticate` counts each failure
    against the username and address exactly as a failed sign-in, and shares its lock.
    """

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


password_change = PasswordChangeView.as_view()
