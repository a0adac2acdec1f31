from django.urls import path

from . import public, views

app_name = "programme"
urlpatterns = [
    # The public agenda.
    path("agenda/", public.agenda, name="programme_agenda"),
    path("agenda/feed.ics", public.ics, name="programme_ics"),
    path("agenda/<int:pk>/", public.session_page, name="programme_session"),
    path("agenda/cancel/<str:token>/", public.cancel, name="programme_cancel"),
    path("agenda/picture/<uuid:uid>/", public.picture, name="programme_picture"),
    path("cites/<slug:slug>/agenda/", public.cite_agenda, name="programme_cite_agenda"),
    path("cites/<slug:slug>/agenda/feed.ics", public.cite_ics, name="programme_cite_ics"),
    path("cites/<slug:slug>/agenda/embed/", public.embed, name="programme_embed"),
    # The Cité's team.
    path("programme/", views.plan, name="programme_plan"),
    path("programme/new/", views.event_edit, name="programme_event_new"),
    path("programme/event/<int:pk>/", views.event_edit, name="programme_event_edit"),
    path("programme/session/<int:pk>/", views.session_detail, name="programme_session_admin"),
    path("programme/session/<int:pk>/attendance/", views.attendance, name="programme_attendance"),
    path("programme/sw.js", views.service_worker, name="programme_sw"),
    path("programme/needs/", views.needs, name="programme_needs"),
    path("programme/month/", views.month_entry, name="programme_month"),
]
