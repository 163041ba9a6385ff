"""A token stops working for good when its user's password, second factor, role or state
changes, whatever makes the change; unrelated changes leave it working. The tokens page says
so, and says why each token stopped."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from api import services as api_services
from api.models import ApiToken
from tests.factories import RecommendationFactory, ReportFactory, UserFactory
from tests.test_two_factor import PASSWORD, code_for, enrolled
from tracker import roles

pytestmark = pytest.mark.django_db

COUNTRIES = "/api/v1/countries/"


def _token(user, scope="read_write", **kwargs):
    token, key = api_services.token_create(user=user, name="script", scope=scope, days=30, **kwargs)
    return token, Client(headers={"authorization": f"Bearer {key}"})


def _revoked_because(token) -> str:
    token.refresh_from_db()
    assert token.revoked_at is not None, "the token still works"
    return token.revoked_because


def test_an_analyst_made_reviewer_cannot_read_restricted_summaries_with_an_old_token(
    analyst, settings
):
    # The audit's finding: the token made as an analyst (no second factor needed) still read
    # `?audience=restricted` summaries once its user was a reviewer who had not enrolled.
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    RecommendationFactory(report=ReportFactory(year=2021))
    token, client = _token(analyst)
    assert client.get("/api/v1/summaries/2021/").status_code == 200
    analyst.groups.add(Group.objects.get(name=roles.REVIEWER))
    response = client.get("/api/v1/summaries/2021/?audience=restricted")
    assert response.status_code == 401
    assert _revoked_because(token) == "role"
    # A new token made without a verified session does not work either.
    _, again = _token(analyst)
    assert again.get("/api/v1/summaries/2021/?audience=restricted").status_code == 401


def test_changing_the_password_on_its_page_revokes_the_tokens(analyst):
    token, client = _token(analyst)
    other_user_token, other = _token(UserFactory(username="someone", role=roles.VIEWER))
    session = Client()
    session.force_login(analyst)
    response = session.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-and-long-passphrase",
            "new_password2": "a-new-and-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "password"
    assert other.get(COUNTRIES).status_code == 200
    other_user_token.refresh_from_db()
    assert other_user_token.revoked_at is None


def test_an_administrator_setting_a_password_revokes_the_tokens(admin_client, analyst):
    token, client = _token(analyst)
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[analyst.pk]),
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )
    assert response.status_code == 302
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "password"


def test_a_password_made_unusable_revokes_the_tokens(analyst):
    token, client = _token(analyst)
    analyst.set_unusable_password()
    analyst.save()
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "password"


def test_re_hashing_the_password_at_sign_in_is_not_a_change(analyst, settings):
    token, client = _token(analyst)
    # A stronger hasher first: the next sign-in re-hashes the password and saves it.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old_hash = analyst.password
    assert Client().post(reverse("login"), {"username": "analyst", "password": PASSWORD})
    analyst.refresh_from_db()
    assert analyst.password != old_hash and analyst.password.startswith("pbkdf2_")
    assert client.get(COUNTRIES).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


def test_resetting_two_factor_sign_in_revokes_the_tokens(admin_client, reviewer):
    # (Nothing is required here, so the administrator's session needs no second factor.)
    enrolled(reviewer)
    token, client = _token(reviewer, two_factor_verified=True)
    assert client.get(COUNTRIES).status_code == 200
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [reviewer.pk]},
    )
    assert response.status_code == 200  # the page with the new enrolment code
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "two_factor_reset"
    # Enrolling again does not bring it back.
    enrolled(reviewer)
    assert client.get(COUNTRIES).status_code == 401


def _admin_change(admin_client, user, **changes):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": list(user.groups.values_list("pk", flat=True)),
        "user_permissions": [],
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_role_given_in_the_admin_revokes_the_tokens(admin_client, analyst):
    token, client = _token(analyst)
    reviewers = Group.objects.get(name=roles.REVIEWER)
    _admin_change(
        admin_client, analyst, groups=[*analyst.groups.values_list("pk", flat=True), reviewers.pk]
    )
    assert set(analyst.groups.values_list("name", flat=True)) == {roles.ANALYST, roles.REVIEWER}
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "role"


def test_saving_a_user_in_the_admin_without_a_change_of_role_keeps_the_tokens(
    admin_client, analyst
):
    token, client = _token(analyst)
    _admin_change(admin_client, analyst, first_name="Ana")
    assert client.get(COUNTRIES).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "change",
    [
        lambda user: user.groups.remove(Group.objects.get(name=roles.ANALYST)),
        lambda user: user.groups.clear(),
        lambda user: Group.objects.get(name=roles.REVIEWER).user_set.add(user),
        lambda user: Group.objects.get(name=roles.ANALYST).user_set.remove(user),
        lambda user: Group.objects.get(name=roles.ANALYST).user_set.clear(),
        lambda user: user.user_permissions.add(
            Permission.objects.get(codename="review_assessment")
        ),
        lambda user: (setattr(user, "is_staff", True), user.save()),
        lambda user: (setattr(user, "is_superuser", True), user.save()),
    ],
    ids=[
        "group removed",
        "groups cleared",
        "added to a group",
        "removed from a group",
        "group emptied",
        "permission given",
        "made staff",
        "made superuser",
    ],
)
def test_every_change_of_role_revokes_the_tokens(analyst, change):
    token, client = _token(analyst)
    change(analyst)
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "role"


def test_adding_a_group_the_user_has_changes_nothing(analyst):
    token, client = _token(analyst)
    analyst.groups.add(Group.objects.get(name=roles.ANALYST))
    assert client.get(COUNTRIES).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


def test_deactivating_the_user_revokes_the_tokens_for_good(admin_client, analyst):
    token, client = _token(analyst)
    _admin_change(admin_client, analyst, is_active=None)
    assert client.get(COUNTRIES).status_code == 401
    assert _revoked_because(token) == "deactivated"
    _admin_change(admin_client, analyst, is_active="on")
    assert client.get(COUNTRIES).status_code == 401


def test_signing_in_and_unrelated_saves_keep_the_tokens(analyst):
    token, client = _token(analyst)
    assert Client().post(reverse("login"), {"username": "analyst", "password": PASSWORD})
    analyst.email = "new@example.org"
    analyst.save()
    assert client.get(COUNTRIES).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_tokens_page_says_when_tokens_stop_and_why_each_did(analyst, settings):
    token, _ = _token(analyst)
    analyst.set_password("a-new-and-long-passphrase")
    analyst.save()
    session = Client()
    session.force_login(analyst)
    page = session.get("/accounts/tokens/").content.decode()
    assert "stop working at once, for good, when your password is changed" in page
    assert "two-factor sign-in is reset, your role changes or your account is deactivated" in page
    assert "when the password was changed" in page
    revoked_by_owner, _ = _token(analyst)
    session.post(f"/accounts/tokens/{revoked_by_owner.pk}/revoke/")
    assert _revoked_because(revoked_by_owner) == "owner"
    assert " by its owner" in session.get("/accounts/tokens/").content.decode()


def test_the_tokens_page_shows_a_token_that_needs_a_verified_session(reviewer, settings):
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    device, _ = enrolled(reviewer)
    _token(reviewer)
    session = Client()
    session.post(reverse("login"), {"username": "reviewer", "password": PASSWORD})
    session.post(reverse("two_factor_verify"), {"code": code_for(device)})
    page = session.get("/accounts/tokens/").content.decode()
    assert "Your role requires two-factor sign-in, so a token works only" in page
    assert "not working: created without two-factor sign-in" in page
    created = session.post("/accounts/tokens/", {"name": "R", "scope": "read", "days": "7"})
    assert created.status_code == 200
    assert ApiToken.objects.get(name="R").two_factor_verified
    rows = created.content.decode().split("<tbody>", 1)[1].split("</tr>")
    (new_row,) = [row for row in rows if "<td>R</td>" in row]
    assert "<td>active</td>" in new_row
