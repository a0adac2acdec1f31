"""Online counselling: the optional profile questions at the end (chat and e-mail), and the widget a
Cité embeds on its own website (framed only by the origins it declared)."""

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from cdm.activity.models import Visit
from cdm.counselling import services
from cdm.counselling.models import Conversation, CounsellingSettings, origins_parse

from .test_counselling import _receive_until, _visitor, present
from .test_counselling import world as world  # noqa: F401  (the fixture)


def _closed_conversation(alpha):
    counsellor = alpha["users"]["counsellor"]
    present(counsellor)
    started = services.conversation_start(theme="job", language="fr")
    services.conversation_take(user=counsellor, conversation=started.conversation)
    services.conversation_close(user=counsellor, conversation=started.conversation)
    return started


def _visit_of(conversation_pk):
    with scopes_disabled():
        conversation = Conversation.objects.get(pk=conversation_pk)
        return Visit.objects.get(pk=conversation.visit_id)


# -- the profile questions -------------------------------------------------------------------------


def test_the_visitor_answers_the_profile_questions_after_the_close_once(world):
    alpha, _ = world
    started = _closed_conversation(alpha)
    visit = _visit_of(started.conversation.pk)
    assert (visit.age_band, visit.gender, visit.status) == ("not_stated", "not_stated", "not_stated")

    async def answer():
        ws = await _visitor(started.key)
        state, _seen = await _receive_until(ws, "state")
        assert state["status"] == "closed" and state["profile"] is True
        await ws.send_json_to(
            {"type": "profile", "answers": {"age_band": "18_25", "gender": "female", "status": "student"}}
        )
        first, _seen = await _receive_until(ws, "profile")
        # Once only: a second answer changes nothing.
        await ws.send_json_to({"type": "profile", "answers": {"age_band": "55_plus"}})
        second, _seen = await _receive_until(ws, "profile")
        await ws.send_json_to({"type": "state"})
        after, _seen = await _receive_until(ws, "state")
        await ws.disconnect()
        return first, second, after

    first, second, after = async_to_sync(answer)()
    assert first["saved"] is True and second["saved"] is False and after["profile"] is False
    visit = _visit_of(started.conversation.pk)
    assert (visit.age_band, visit.gender, visit.status) == ("18_25", "female", "student")
    assert visit.channel == "chat" and visit.outcome == "interview"


def test_skipped_or_unknown_answers_are_recorded_not_stated(world):
    alpha, _ = world
    started = _closed_conversation(alpha)
    assert services.conversation_profile(
        conversation=started.conversation, answers={"age_band": "99", "gender": "<b>x</b>"}
    )
    visit = _visit_of(started.conversation.pk)
    assert (visit.age_band, visit.gender, visit.status) == ("not_stated", "not_stated", "not_stated")
    # Skipped: not asked again.
    assert not services.profile_pending(services.conversation_by_key(started.key))


def test_no_profile_before_the_counsellor_closes(world):
    alpha, _ = world
    counsellor = alpha["users"]["counsellor"]
    present(counsellor)
    started = services.conversation_start(theme="job", language="fr")
    assert not services.conversation_profile(conversation=started.conversation, answers={"gender": "male"})
    services.conversation_take(user=counsellor, conversation=started.conversation)
    assert not services.conversation_profile(conversation=started.conversation, answers={"gender": "male"})
    assert services.conversation_state(started.conversation)["profile"] is False


def test_closing_an_email_question_records_the_profile_given_in_the_thread(client, world):
    alpha, _ = world
    question = services.question_submit(
        theme="job", language="fr", text="Une question", address="v@example.org", cite_slug="alpha"
    )
    client.force_login(alpha["users"]["counsellor"])
    url = reverse("counselling:question", args=[question.pk])
    page = client.get(url)
    assert 'name="profile-age_band"' in page.content.decode()
    response = client.post(
        url,
        {"do": "close", "profile-age_band": "26_44", "profile-gender": "", "profile-status": "job_seeker"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        question.refresh_from_db()
        visit = Visit.objects.get(pk=question.visit_id)
    assert (visit.channel, visit.age_band, visit.gender, visit.status) == (
        "email",
        "26_44",
        "not_stated",
        "job_seeker",
    )


def test_closing_an_email_question_without_profile_is_not_stated(client, world):
    alpha, _ = world
    question = services.question_submit(
        theme="job", language="fr", text="Une question", address="v@example.org", cite_slug="alpha"
    )
    client.force_login(alpha["users"]["counsellor"])
    client.post(reverse("counselling:question", args=[question.pk]), {"do": "close"})
    with scopes_disabled():
        question.refresh_from_db()
        visit = Visit.objects.get(pk=question.visit_id)
    assert (visit.age_band, visit.gender, visit.status) == ("not_stated", "not_stated", "not_stated")


# -- the widget ------------------------------------------------------------------------------------


def _frame_ancestors(response) -> str:
    for directive in response["Content-Security-Policy"].split(";"):
        if directive.strip().startswith("frame-ancestors"):
            return directive.strip()
    raise AssertionError(response["Content-Security-Policy"])


def test_the_widget_may_be_framed_only_by_the_origins_the_cite_declared(client, world):
    alpha, _ = world
    url = reverse("counselling:widget", args=["alpha"])
    # Nothing declared: nobody may frame it.
    response = client.get(url)
    assert response.status_code == 200
    assert _frame_ancestors(response) == "frame-ancestors 'none'"
    with scopes_disabled():
        CounsellingSettings.objects.create(
            cite=alpha["cite"], widget_origins="https://www.cite-alpha.fr\nhttp://127.0.0.1:8123/"
        )
    response = client.get(url)
    assert _frame_ancestors(response) == "frame-ancestors https://www.cite-alpha.fr http://127.0.0.1:8123"
    assert "X-Frame-Options" not in response
    # Another Cité's widget is not framed by alpha's site.
    beta_widget = client.get(reverse("counselling:widget", args=["beta"]))
    assert _frame_ancestors(beta_widget) == "frame-ancestors 'none'"
    # Every other counselling page stays unframeable.
    talk = client.get(reverse("counselling:talk"))
    assert _frame_ancestors(talk) == "frame-ancestors 'none'" and talk["X-Frame-Options"] == "DENY"
    assert client.get(reverse("counselling:widget", args=["nowhere"])).status_code == 404


def test_the_widget_page_is_the_cites_chat_without_the_sites_frame(client, world):
    page = client.get(reverse("counselling:widget", args=["alpha"])).content.decode()
    assert 'id="talk-app"' in page and 'name="cite" value="alpha"' in page
    assert "<nav" not in page  # none of the site's header


def test_declared_origins_are_checked_and_normalised():
    assert origins_parse("https://A.example.org/\n http://x.org:8080 \nhttps://a.example.org") == [
        "https://a.example.org",
        "http://x.org:8080",
    ]
    for bad in ["*", "https://*.example.org", "example.org", "https://a.org/page", "javascript:alert(1)"]:
        with pytest.raises(ValidationError):
            origins_parse(bad)


def test_the_manager_sees_the_code_to_paste_on_their_site(world):
    alpha, _ = world
    with scopes_disabled():
        settings = CounsellingSettings.objects.create(cite=alpha["cite"], widget_origins="https://a.fr")
    client = Client()
    client.force_login(alpha["users"]["manager"])
    page = client.get(reverse("admin:counselling_counsellingsettings_change", args=[settings.pk]))
    assert page.status_code == 200
    widget = reverse("counselling:widget", args=["alpha"])
    assert f"&lt;iframe src=&quot;http://testserver{widget}&quot;" in page.content.decode()


def test_starting_a_chat_needs_json_but_no_csrf_cookie(world):
    """The widget, framed by another site, has no CSRF cookie: a start is JSON only instead."""
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    client = Client(enforce_csrf_checks=True)
    url = reverse("counselling:chat_start")
    assert client.post(url, {"theme": "job", "language": "fr"}).status_code == 415
    response = client.post(url, {"theme": "job", "language": "fr"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["key"]
