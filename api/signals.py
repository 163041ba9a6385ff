"""Tokens stop working when what they stand for changes: the user's password, second factor,
role or active state.

A token lets a script act as its user without the password or the second factor, so it is
revoked (with the reason, shown on the tokens page) whenever any of these change, whatever
makes the change: the password page, the admin, `manage.py changepassword`, a role given or
taken in the admin or in code, the administrator's reset of two-factor sign-in
(`tracker.twofactor.two_factor_reset`). Django re-hashing a password at sign-in (a hasher
upgrade) is not a change of password and revokes nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_save, pre_save

from api import services
from api.models import ApiToken
from tracker import twofactor

_WATCHED = {"password", "is_active", "is_staff", "is_superuser"}
_ROLE_FIELDS = ("is_staff", "is_superuser")


def _before_user_save(sender, instance, update_fields=None, **kwargs):
    """Keep what the saved fields were, when the save may change one that tokens depend on."""
    instance._tokens_before = None
    if instance.pk is None or (update_fields is not None and not _WATCHED & set(update_fields)):
        return
    instance._tokens_before = (
        sender._default_manager.filter(pk=instance.pk).values(*_WATCHED).first()
    )


def _after_user_save(sender, instance, created, **kwargs):
    before = getattr(instance, "_tokens_before", None)
    instance._tokens_before = None
    if created or before is None:
        return
    because = None
    # `set_password` keeps the new password in `_password` until the save is done; a re-hash at
    # sign-in clears it first, and so does not count as a change.
    new_password = getattr(instance, "_password", None) is not None or (
        before["password"] != instance.password and not instance.has_usable_password()
    )
    if before["is_active"] and not instance.is_active:
        because = ApiToken.RevokedBecause.DEACTIVATED
    elif new_password and before["password"] != instance.password:
        because = ApiToken.RevokedBecause.PASSWORD
    elif any(before[name] != getattr(instance, name) for name in _ROLE_FIELDS):
        because = ApiToken.RevokedBecause.ROLE
    if because is not None:
        services.tokens_revoke_all(user_ids=[instance.pk], because=because)


def _after_roles_change(sender, instance, action, reverse, pk_set, **kwargs):
    """Revoke the tokens of users whose groups or own permissions changed."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if not reverse:  # user.groups.add(…), .remove(…), .clear()
        user_ids = {instance.pk} if pk_set or action == "pre_clear" else set()
    elif action == "pre_clear":  # group.user_set.clear(): its users, while they are still there
        links = sender._default_manager.filter(**{instance._meta.model_name: instance})
        user_ids = set(links.values_list("user_id", flat=True))
    else:  # group.user_set.add(…), .remove(…)
        user_ids = set(pk_set or ())
    if user_ids:
        services.tokens_revoke_all(user_ids=user_ids, because=ApiToken.RevokedBecause.ROLE)


def _after_two_factor_reset(sender, user, **kwargs):
    services.tokens_revoke_all(user_ids=[user.pk], because=ApiToken.RevokedBecause.TWO_FACTOR_RESET)


def connect() -> None:
    """Connect the receivers; safe to call more than once."""
    user_model = get_user_model()
    pre_save.connect(_before_user_save, sender=user_model, dispatch_uid="api.tokens.before_user")
    post_save.connect(_after_user_save, sender=user_model, dispatch_uid="api.tokens.after_user")
    for relation in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(
            _after_roles_change, sender=relation, dispatch_uid=f"api.tokens.roles.{relation}"
        )
    twofactor.two_factor_reset.connect(
        _after_two_factor_reset, dispatch_uid="api.tokens.two_factor_reset"
    )
