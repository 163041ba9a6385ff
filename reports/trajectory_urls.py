"""URLs of the country pages, the tier comparison and the narrative upload."""

urlpatterns = []
