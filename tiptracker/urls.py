"""The root URL configuration: each app's pages under it, at the addresses the README lists."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from public import views as public_views
from tracker.views import home as tracker_home


@login_not_required
def home(request):
    """Route `/`: the signed-in user's worklist, or the public site's front page.

    With the public site off, a visitor who is not signed in meets the worklist's own sign-in
    requirement, as before the public site existed.
    """
    if request.user.is_authenticated or not settings.PUBLIC_SITE:
        return tracker_home.home(request)
    return public_views.front(request)


urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
    path("", include("reports.urls")),
    path("", include("reports.trajectory_urls")),
    path("", include("public.urls")),
    # Before the staff API, whose last pattern answers every other path under /api/v1/.
    path("", include("api.public_urls")),
    path("", include("api.urls")),
]
