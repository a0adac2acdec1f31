from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("report/<int:year>/", views.network_report, name="report"),
    path("report/<int:year>/<str:fmt>/", views.network_report, name="report_download"),
    path("dashboard/", views.dashboards, name="dashboards"),
    path("dashboard/<int:year>/", views.network_dashboard, name="network_dashboard"),
    path("dashboard/<slug:slug>/<int:year>/", views.cite_dashboard, name="dashboard"),
    path("dashboard/<slug:slug>/<int:year>/<str:fmt>/", views.cite_dashboard, name="dashboard_download"),
]
