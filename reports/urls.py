"""URLs of the annual progress summaries."""

urlpatterns = []
