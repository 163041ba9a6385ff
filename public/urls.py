"""URLs of the public site. The front page is `/` itself, routed in tiptracker/urls.py."""

from django.urls import path

from public import views
from public.caching import public_page
from public.feeds import PublicationsFeed
from tiptracker.lib import converters

converters.register()

feed = public_page(PublicationsFeed())

urlpatterns = [
    path("robots.txt", views.robots, name="public_robots"),
    path("sitemap.xml", views.sitemap, name="public_sitemap"),
    path("public/", views.public_root, name="public_root"),
    path("public/feed.atom", feed, name="public_feed"),
    path("public/glossary/", views.glossary, name="public_glossary"),
    path("public/data/", views.data_index, name="public_data"),
    path("public/data/dictionary/", views.data_dictionary, name="public_data_dictionary"),
    path("public/data/<str:name>", views.data_file, name="public_data_file"),
    path("public/countries/<slug:slug>/", views.country, name="public_country"),
    path("public/countries/<slug:slug>/feed.atom", feed, name="public_country_feed"),
    path(
        "public/countries/<slug:slug>/charts/<slug:name>/",
        views.country_chart,
        name="public_country_chart",
    ),
    path("public/summaries/<id:pk>/", views.summary, name="public_summary"),
    path(
        "public/summaries/<id:pk>/<str:filename>",
        views.summary_file,
        name="public_summary_file",
    ),
    path(
        "public/recommendations/<str:reference>/",
        views.recommendation,
        name="public_recommendation",
    ),
]
