"""The permission model that a fresh `migrate` creates."""

import pytest
from django.contrib.auth.models import Group

from reports.permissions import can_publish
from tests.factories import UserFactory
from tracker import permissions, roles

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_three_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Viewer", "Analyst", "Reviewer"}


@pytest.mark.parametrize(
    ("role", "edit", "review", "restricted", "publish", "import_"),
    [
        (roles.VIEWER, False, False, False, False, False),
        (roles.ANALYST, True, False, False, False, False),
        (roles.REVIEWER, True, True, True, True, True),
    ],
)
def test_each_role_may_do_what_the_design_says(role, edit, review, restricted, publish, import_):
    user = UserFactory(role=role)
    assert user.has_perm("tracker.view_recommendation")
    assert permissions.can_edit(user) is edit
    assert user.has_perm("tracker.add_evidence") is edit
    assert permissions.can_review(user) is review
    assert user.has_perm("tracker.view_restricted_evidence") is restricted
    assert can_publish(user) is publish
    assert permissions.can_import(user) is import_


def test_a_user_without_a_group_may_do_nothing():
    user = UserFactory()
    assert not user.has_perm("tracker.view_recommendation")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.VIEWER, roles.ANALYST, roles.REVIEWER, None])
def test_the_one_query_permission_loader_grants_what_djangos_model_backend_grants(
    role, django_assert_num_queries
):
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    from tracker.twofactor import UserBackend

    user = UserFactory(role=role) if role else UserFactory()
    # A permission given to the user directly counts as well as those of the role's group.
    user.user_permissions.add(
        Permission.objects.get(codename="delete_group", content_type__app_label="auth")
    )
    backend = UserBackend()
    loaded = backend.get_user(user.pk)
    with django_assert_num_queries(1):
        granted = backend.get_all_permissions(loaded)
        assert backend.has_perm(loaded, "auth.delete_group")
    assert granted == ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))
    assert loaded.group_names == sorted(user.groups.values_list("name", flat=True))
