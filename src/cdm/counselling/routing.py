"""The chat's websocket routes (mounted by ``cdm.asgi``). No key or identifier in these paths."""

from django.urls import path

from .consumers import CounsellorConsumer, VisitorConsumer

websocket_urlpatterns = [
    path("ws/counselling/visitor/", VisitorConsumer.as_asgi()),
    path("ws/counselling/counsellor/", CounsellorConsumer.as_asgi()),
]
