from django.urls import path

from . import views

app_name = "counselling"
urlpatterns = [
    # The public: no account; the conversation's key only ever in a request's body.
    path("counselling/", views.talk, name="talk"),
    path("counselling/widget/<slug:slug>/", views.widget, name="widget"),
    path("counselling/chat/start/", views.chat_start, name="chat_start"),
    path("counselling/chat/transcript/", views.chat_transcript, name="chat_transcript"),
    path("counselling/ask/", views.ask, name="ask"),
    path("counselling/ask/sent/", views.ask_sent, name="ask_sent"),
    # The counsellors.
    path("counselling/conversations/", views.conversations, name="conversations"),
    path(
        "counselling/conversations/<int:pk>/<slug:action>/",
        views.conversation_action,
        name="conversation_action",
    ),
    path("counselling/inbox/", views.inbox, name="inbox"),
    path("counselling/inbox/<int:pk>/", views.question, name="question"),
]
