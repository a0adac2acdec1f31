from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("exchange/import/", views.upload, name="upload"),
    path("exchange/import/<uuid:job_id>/", views.job, name="job"),
    path("exchange/import/<uuid:job_id>/status.json", views.job_status, name="job_status"),
    path("exchange/template.xlsx", views.template, name="template"),
    path("exchange/export/<int:year>.zip", views.export, name="export"),
    path("opendata/", views.opendata_index, name="opendata"),
    path("opendata/<int:year>.zip", views.opendata_download, name="opendata_download"),
]
