from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("cites/", views.cite_list, name="cites"),
    path("cites/<slug:slug>/", views.cite_detail, name="cite"),
    path("language/", views.set_language, name="switch_language"),
    path("profile/", views.profile, name="profile"),
]
