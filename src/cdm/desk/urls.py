from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/sw.js", views.service_worker, name="sw"),
    path("desk/queue/", views.counsellor, name="queue"),
    path("desk/today/", views.today, name="today"),
    path("cites/<slug:slug>/now-calling/", views.now_calling, name="now_calling"),
]
