"""The app's URLs and two views that fail as a bug would: for the logging test's server."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework.views import APIView

from tiptracker.urls import urlpatterns as app_urlpatterns

MESSAGE = "a deliberate failure for the logging test"


@login_not_required
def failing_page(request):
    raise RuntimeError(MESSAGE)


class FailingApiView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise LookupError(MESSAGE)


urlpatterns = [
    path("failing-page/", failing_page),
    path("api/v1/failing/", FailingApiView.as_view()),
    *app_urlpatterns,
]
