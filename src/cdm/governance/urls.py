from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("network-life/", views.home, name="life_home"),
    path("network-life/<slug:kind>/", views.record_list, name="life_list"),
    path("network-life/<slug:kind>/add/", views.record_add, name="life_add"),
    path("network-life/<slug:kind>/<int:pk>/", views.record_detail, name="life_detail"),
    path("network-life/<slug:kind>/<int:pk>/edit/", views.record_edit, name="life_edit"),
    path("network-life/<slug:kind>/<int:pk>/file/", views.file_download, name="life_file"),
    path("projects/<int:pk>/", views.project_page, name="project_page"),
]
urlpatterns += [path("contacts/", views.contacts, name="contacts")]
