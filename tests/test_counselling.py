"""Online counselling's chat: routing, the queue, the websockets, closing as an interview, tenancy,
anonymity and retention. The websockets are driven through the real ASGI application (``cdm.asgi``)
with Channels' communicator, on the in-memory layer and, when CDM_REDIS_URL is set, on Redis."""

import datetime
import json
import uuid

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Interview, Visit
from cdm.counselling import services
from cdm.counselling.models import (
    Conversation,
    ConversationStatus,
    CounsellingSettings,
    Message,
    Presence,
    key_digest,
)

from .conftest import make_cite_world

REDIS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": "redis://127.0.0.1:6379/5", "socket_timeout": 15, "max_connections": 2000}],
            # Its own prefix per worker and run: the other xdist worker (or another checkout's suite)
            # may use this Redis at once, with the same conversation numbers.
            "prefix": f"cdm-chat-test-{uuid.uuid4().hex[:12]}",
        },
    }
}
MEMORY = {"default": {"BACKEND": "cdm.counselling.layers.InMemoryChannelLayer"}}


def _redis_up() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/5", socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


LAYERS = [pytest.param(MEMORY, id="memory"), pytest.param(REDIS, id="redis")]


@pytest.fixture(params=LAYERS)
def layer(request):
    if request.param is REDIS and not _redis_up():
        if __import__("os").environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379: CI needs it")
        pytest.skip("no Redis on 127.0.0.1:6379")
    with override_settings(CHANNEL_LAYERS=request.param):
        from channels.layers import channel_layers

        channel_layers.backends.clear()
        yield request.param
        channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fresh_counters():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(transactional_db):
    # Transactional: the consumers' database calls close the connection between calls (Channels'
    # database_sync_to_async), which a test wrapped in one transaction cannot survive on PostgreSQL.
    alpha, beta = make_cite_world("alpha"), make_cite_world("beta", "BE")
    with scopes_disabled():
        for w in (alpha, beta):
            w["cite"].languages = ["fr", "en"]
            w["cite"].save()
    return alpha, beta


def present(user):
    services.presence_touch(user=user)


def app():
    from cdm.asgi import application

    return application


# -- routing and the queue -------------------------------------------------------------------------


def test_nobody_available_says_so_at_once(world):
    with pytest.raises(services.CounsellingError) as exc:
        services.conversation_start(theme="job", language="fr")
    assert exc.value.status == 409


def test_a_visitor_goes_to_a_cite_covering_the_theme_and_language_with_a_counsellor_there(world):
    alpha, beta = world
    present(beta["users"]["counsellor"])
    started = services.conversation_start(theme="job", language="fr")
    assert started.conversation.cite_id == beta["cite"].pk
    # Not a theme beta covers (its only pôle is "job"), nor a language it speaks.
    with pytest.raises(services.CounsellingError):
        services.conversation_start(theme="business", language="fr")
    with pytest.raises(services.CounsellingError):
        services.conversation_start(theme="job", language="nl")
    # A Cité chosen by the visitor, where nobody is there now: unavailable, not elsewhere.
    with pytest.raises(services.CounsellingError):
        services.conversation_start(theme="job", language="fr", cite_slug="alpha")


def test_a_counsellor_away_for_long_is_not_available(world):
    alpha, _beta = world
    present(alpha["users"]["counsellor"])
    Presence.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=5))
    with pytest.raises(services.CounsellingError):
        services.conversation_start(theme="job", language="fr")


def test_place_in_the_queue_and_estimated_wait(world):
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    first = services.conversation_start(theme="job", language="fr").conversation
    second = services.conversation_start(theme="job", language="fr").conversation
    assert services.queue_position(first) == {"position": 1, "wait_minutes": 10}
    assert services.queue_position(second) == {"position": 2, "wait_minutes": 20}


def test_only_a_digest_of_the_key_is_stored_and_nothing_of_the_visitor(world):
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    started = services.conversation_start(theme="job", language="fr")
    with scopes_disabled():
        stored = Conversation.objects.get()
    assert stored.key_digest == key_digest(started.key) and started.key not in stored.key_digest
    names = {f.name for f in Conversation._meta.get_fields()}
    assert not names & {"ip", "ip_address", "user_agent", "address", "email", "key"}


# -- the pages -----------------------------------------------------------------------------------


def test_the_start_request_answers_409_with_the_email_form_when_nobody_is_there(client, world):
    response = client.post(
        reverse("counselling:chat_start"), {"theme": "job", "language": "fr"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["ask"] == reverse("counselling:ask")


def test_the_start_request_gives_a_key_in_the_body_never_in_a_url(client, world):
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    response = client.post(
        reverse("counselling:chat_start"),
        {"theme": "job", "language": "fr", "cite": "alpha"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["key"]) >= 40 and body["position"] == 1 and "Location" not in response
    transcript = client.post(reverse("counselling:chat_transcript"), {"key": body["key"]})
    assert transcript.status_code == 200 and "attachment" in transcript["Content-Disposition"]
    assert client.post(reverse("counselling:chat_transcript"), {"key": "x" * 43}).status_code == 404
    assert client.get(reverse("counselling:chat_transcript")).status_code == 405


def test_starting_is_rate_limited_per_address(client, world):
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    codes = [
        client.post(
            reverse("counselling:chat_start"),
            {"theme": "job", "language": "fr"},
            content_type="application/json",
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [201] * 10 and codes[10:] == [429, 429]


def test_the_talk_page_and_the_cite_page_link(client, world):
    page = client.get(reverse("counselling:talk") + "?cite=alpha")
    assert page.status_code == 200
    assert b'value="alpha" selected' in page.content
    cite_page = client.get(reverse("public:cite", kwargs={"slug": "alpha"})).content.decode()
    assert reverse("counselling:talk") + "?cite=alpha" in cite_page


# -- the websockets ------------------------------------------------------------------------------


async def _visitor(key, after=0):
    ws = WebsocketCommunicator(app(), "/ws/counselling/visitor/", headers=[(b"origin", b"http://testserver")])
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "hello", "key": key, "after": after})
    return ws


async def _receive_until(ws, kind, limit=20):
    seen = []
    for _ in range(limit):
        data = await ws.receive_json_from(timeout=3)
        seen.append(data)
        if data["type"] == kind:
            return data, seen
    raise AssertionError(f"no {kind} in {seen}")


def _counsellor_ws(user):
    from channels.auth import AuthMiddlewareStack  # noqa: F401  (cdm.asgi's stack reads the session)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()
    return WebsocketCommunicator(
        app(),
        "/ws/counselling/counsellor/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)],
    )


def test_a_whole_conversation_over_the_websockets(world, layer):
    alpha, _ = world
    counsellor = alpha["users"]["counsellor"]
    present(counsellor)
    started = services.conversation_start(theme="job", language="fr")
    conversation = started.conversation

    staff = _counsellor_ws(counsellor)

    def take():
        with scopes_disabled():
            services.conversation_take(user=counsellor, conversation=conversation)

    async def chat():
        visitor = await _visitor(started.key)
        state, _ = await _receive_until(visitor, "state")
        assert state["status"] == "waiting" and state["position"] == 1
        assert (await staff.connect())[0]
        # Sent while waiting: kept, and read by the counsellor once they join.
        await visitor.send_json_to({"type": "message", "text": "<b>Bonjour</b>", "client_id": "c1"})
        mine, _ = await _receive_until(visitor, "message")
        assert mine["seq"] == 1 and mine["text"] == "<b>Bonjour</b>"
        await sync_to_async(take)()
        taken, _ = await _receive_until(visitor, "message")
        assert taken["author"] == "system"
        await staff.send_json_to({"type": "join", "conversation": conversation.pk, "after": 0})
        backlog = [m for m in (await _receive_until(staff, "message"))[1] if m["type"] == "message"]
        assert backlog[0]["text"] == "<b>Bonjour</b>"
        await _receive_until(staff, "message")  # the system line
        await staff.send_json_to({"type": "typing", "conversation": conversation.pk})
        typing, _ = await _receive_until(visitor, "typing")
        assert typing["conversation"] == conversation.pk
        await staff.send_json_to(
            {
                "type": "message",
                "conversation": conversation.pk,
                "text": "Que puis-je pour vous ?",
                "client_id": "s1",
            }
        )
        answer, _ = await _receive_until(visitor, "message")
        assert answer["author"] == "counsellor" and answer["seq"] == 3
        await staff.send_json_to({"type": "read", "conversation": conversation.pk, "seq": 1})
        read, _ = await _receive_until(visitor, "read")
        assert read == {"type": "read", "conversation": conversation.pk, "reader": "counsellor", "seq": 1}
        # A resend after a dropped socket: the same client_id is stored once, and sent to both sides
        # again (the first sending may have died with the socket); screens show a number once.
        await visitor.send_json_to({"type": "message", "text": "<b>Bonjour</b>", "client_id": "c1"})
        again, _ = await _receive_until(visitor, "message")
        assert again["seq"] == 1
        again, _ = await _receive_until(staff, "message")
        if again["seq"] == 3:  # the counsellor's own answer, sent back to them first
            again, _ = await _receive_until(staff, "message")
        assert again["seq"] == 1 and again["text"] == "<b>Bonjour</b>"
        await visitor.disconnect()
        # Reconnection: what came after the last one shown, nothing lost, nothing twice.
        await staff.send_json_to({"type": "message", "conversation": conversation.pk, "text": "Encore là ?"})
        await _receive_until(staff, "message")
        back = await _visitor(started.key, after=3)
        _, seen = await _receive_until(back, "message")
        assert [m["seq"] for m in seen if m["type"] == "message"] == [4]
        await back.disconnect()
        await staff.disconnect()

    async_to_sync(chat)()
    with scopes_disabled():
        assert list(Message.objects.filter(conversation=conversation).values_list("seq", flat=True)) == [
            1,
            2,
            3,
            4,
        ]


def test_another_cites_counsellor_cannot_join_or_write(world):
    alpha, beta = world
    present(alpha["users"]["counsellor"])
    started = services.conversation_start(theme="job", language="fr")
    with scopes_disabled():
        services.conversation_take(user=alpha["users"]["counsellor"], conversation=started.conversation)
    pk = started.conversation.pk

    staff = _counsellor_ws(beta["users"]["counsellor"])

    async def intruder():
        assert (await staff.connect())[0]
        await staff.send_json_to({"type": "join", "conversation": pk})
        error, _ = await _receive_until(staff, "error")
        await staff.send_json_to({"type": "message", "conversation": pk, "text": "x"})
        error2, _ = await _receive_until(staff, "error")
        await staff.disconnect()
        return error, error2

    error, error2 = async_to_sync(intruder)()
    assert error["field"] == error2["field"] == "conversation"
    with scopes_disabled():
        assert not Message.objects.filter(conversation_id=pk, author="counsellor").exists()


def test_an_agent_or_anonymous_cannot_open_the_counsellors_socket(world):
    alpha, _ = world

    async def attempt(ws):
        connected, code = await ws.connect()
        return connected, code

    agent = _counsellor_ws(alpha["users"]["agent"])
    anonymous = WebsocketCommunicator(
        app(), "/ws/counselling/counsellor/", headers=[(b"origin", b"http://testserver")]
    )
    assert async_to_sync(attempt)(agent) == (False, 4403)
    assert async_to_sync(attempt)(anonymous) == (False, 4403)


def test_a_socket_from_another_origin_is_refused(world):
    async def attempt():
        ws = WebsocketCommunicator(
            app(), "/ws/counselling/visitor/", headers=[(b"origin", b"http://evil.example")]
        )
        return (await ws.connect())[0]

    assert async_to_sync(attempt)() is False


def test_a_wrong_key_opens_nothing_and_messages_are_rate_limited(world):
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    started = services.conversation_start(theme="job", language="fr")

    async def scenario():
        wrong = await _visitor("z" * 43)
        gone = await wrong.receive_json_from(timeout=3)
        assert gone == {"type": "gone"}
        visitor = await _visitor(started.key)
        await _receive_until(visitor, "state")
        for i in range(12):
            await visitor.send_json_to({"type": "message", "text": f"m{i}", "client_id": f"r{i}"})
        seen = [await visitor.receive_json_from(timeout=3) for _ in range(12)]
        await visitor.disconnect()
        return seen

    seen = async_to_sync(scenario)()
    assert sum(1 for m in seen if m["type"] == "message") == 8
    assert sum(1 for m in seen if m.get("reason") == "rate") == 4


# -- counsellors: take, transfer, close, block ------------------------------------------------------


def _post(client, conversation, action, **body):
    return client.post(
        reverse("counselling:conversation_action", kwargs={"pk": conversation.pk, "action": action}),
        json.dumps(body),
        content_type="application/json",
    )


def test_take_transfer_to_another_cite_and_close_records_the_interview(client, world):
    alpha, beta = world
    a, b = alpha["users"]["counsellor"], beta["users"]["counsellor"]
    present(a)
    present(b)
    started = services.conversation_start(theme="job", language="fr", cite_slug="alpha")
    conversation = started.conversation
    with scopes_disabled():
        Conversation.objects.filter(pk=conversation.pk).update(
            arrived_at=timezone.now() - datetime.timedelta(minutes=7)
        )
    client.force_login(a)
    listed = client.get(reverse("counselling:conversations") + "?cite=alpha").json()
    assert [c["code"] for c in listed["waiting"]] == [conversation.code]
    assert _post(client, conversation, "take").status_code == 200
    assert _post(client, conversation, "take").status_code == 409
    assert _post(client, conversation, "transfer", cite="beta").status_code == 200
    # Gone from alpha's screen; beta's counsellor sees and takes it.
    assert client.get(reverse("counselling:conversations") + "?cite=alpha").json()["waiting"] == []
    assert _post(client, conversation, "close").status_code == 404
    client.force_login(b)
    listed = client.get(reverse("counselling:conversations") + "?cite=beta").json()
    assert [c["id"] for c in listed["waiting"]] == [conversation.pk]
    assert _post(client, conversation, "take").status_code == 200
    with scopes_disabled():
        Conversation.objects.filter(pk=conversation.pk).update(
            taken_at=timezone.now() - datetime.timedelta(minutes=11, seconds=30),
            arrived_at=timezone.now() - datetime.timedelta(minutes=19, seconds=45),
        )
    assert _post(client, conversation, "close").status_code == 200
    with scopes_disabled():
        conversation.refresh_from_db()
        visit = Visit.objects.get(pk=conversation.visit_id)
        interview = Interview.objects.get(visit=visit)
    assert conversation.status == ConversationStatus.CLOSED
    assert (visit.cite_id, visit.channel, visit.theme, visit.outcome) == (
        beta["cite"].pk,
        "chat",
        "job",
        "interview",
    )
    assert visit.recorded_by == b and visit.date == timezone.localdate()
    assert interview.partner == beta["partner"]
    assert (interview.duration_minutes, interview.waited_minutes) == (12, 8)


def test_transfer_to_a_colleague_reserves_it_for_them(client, world):
    alpha, _ = world
    a = alpha["users"]["counsellor"]
    colleague = User.objects.create_user("colleague-alpha", password="pw", role=Role.COUNSELLOR)
    colleague.cites.add(alpha["cite"])
    present(a)
    conversation = services.conversation_start(theme="job", language="fr").conversation
    client.force_login(a)
    assert _post(client, conversation, "take").status_code == 200
    assert _post(client, conversation, "transfer", counsellor="colleague-alpha").status_code == 200
    # Reserved: not in the first counsellor's list any more, first in the colleague's.
    assert client.get(reverse("counselling:conversations") + "?cite=alpha").json()["waiting"] == []
    assert _post(client, conversation, "take").status_code == 409
    client.force_login(colleague)
    assert [c["reserved"] for c in client.get(reverse("counselling:conversations")).json()["waiting"]] == [
        True
    ]
    assert _post(client, conversation, "take").status_code == 200


def test_an_agent_cannot_take_and_another_cite_cannot_see(client, world):
    alpha, beta = world
    present(alpha["users"]["counsellor"])
    conversation = services.conversation_start(theme="job", language="fr").conversation
    client.force_login(alpha["users"]["agent"])
    assert _post(client, conversation, "take").status_code == 403
    client.force_login(beta["users"]["counsellor"])
    assert _post(client, conversation, "take").status_code == 404
    assert client.get(reverse("counselling:conversations") + "?cite=alpha").status_code == 404


def test_several_at_once_and_block_an_abusive_session(client, world):
    alpha, _ = world
    a = alpha["users"]["counsellor"]
    present(a)
    one = services.conversation_start(theme="job", language="fr")
    two = services.conversation_start(theme="job", language="fr")
    client.force_login(a)
    assert _post(client, one.conversation, "take").status_code == 200
    assert _post(client, two.conversation, "take").status_code == 200
    assert len(client.get(reverse("counselling:conversations")).json()["mine"]) == 2
    assert _post(client, two.conversation, "block").status_code == 200
    assert services.conversation_by_key(two.key).status == ConversationStatus.BLOCKED

    async def blocked():
        ws = await _visitor(two.key)
        return await ws.receive_json_from(timeout=3)

    assert async_to_sync(blocked)() == {"type": "gone"}
    with scopes_disabled():
        assert not Visit.objects.filter(channel="chat").exists()


def test_the_visitor_deletes_the_conversation_at_once_counts_stay(client, world):
    alpha, _ = world
    a = alpha["users"]["counsellor"]
    present(a)
    started = services.conversation_start(theme="job", language="fr")
    client.force_login(a)
    _post(client, started.conversation, "take")
    services.message_post(conversation=started.conversation, author="visitor", text="secret")

    async def delete():
        ws = await _visitor(started.key)
        await _receive_until(ws, "state")
        await ws.send_json_to({"type": "delete"})
        await _receive_until(ws, "deleted")
        await ws.disconnect()

    async_to_sync(delete)()
    with scopes_disabled():
        conversation = Conversation.objects.get(pk=started.conversation.pk)
        assert not Message.objects.filter(conversation=conversation).exists()
        assert conversation.message_count == 1 and conversation.purged_at is not None
        # Taken by a counsellor: still counted as an interview.
        assert Visit.objects.filter(channel="chat", pk=conversation.visit_id).exists()


def test_feedback_in_one_click(world):
    alpha, _ = world
    present(alpha["users"]["counsellor"])
    started = services.conversation_start(theme="job", language="fr")

    async def feedback():
        ws = await _visitor(started.key)
        await _receive_until(ws, "state")
        await ws.send_json_to({"type": "helped", "value": True})
        await _receive_until(ws, "thanks")
        await ws.disconnect()

    async_to_sync(feedback)()
    assert services.conversation_by_key(started.key).helped is True


# -- retention -------------------------------------------------------------------------------------


def test_messages_are_deleted_after_the_cites_retention_counts_kept(client, world):
    alpha, beta = world
    for w in (alpha, beta):
        present(w["users"]["counsellor"])
    with scopes_disabled():
        CounsellingSettings.objects.create(cite=beta["cite"], retention_days=5)
    closed = {}
    for w in (alpha, beta):
        started = services.conversation_start(theme="job", language="fr", cite_slug=w["cite"].slug)
        client.force_login(w["users"]["counsellor"])
        _post(client, started.conversation, "take")
        services.message_post(conversation=started.conversation, author="visitor", text="bonjour")
        _post(client, started.conversation, "close")
        closed[w["cite"].slug] = started.conversation.pk
    now = timezone.now()
    assert services.purge(now=now + datetime.timedelta(days=4)).messages == 0
    six = services.purge(now=now + datetime.timedelta(days=6))
    assert (six.conversations, six.messages) == (1, 3)  # beta's: the visitor's line and two system lines
    thirty_one = services.purge(now=now + datetime.timedelta(days=31))
    assert thirty_one.conversations == 1
    with scopes_disabled():
        assert not Message.objects.exists()
        assert sorted(Conversation.objects.values_list("message_count", flat=True)) == [1, 1]
        assert Visit.objects.filter(channel="chat").count() == 2


def test_a_counsellor_writes_no_more_once_it_is_transferred_away(world):
    alpha, _ = world
    a = alpha["users"]["counsellor"]
    present(a)
    conversation = services.conversation_start(theme="job", language="fr").conversation
    services.conversation_take(user=a, conversation=conversation)
    message, created = services.message_post(
        conversation=conversation, author="counsellor", text="un", counsellor=a
    )
    assert created and message.seq == 2
    services.conversation_transfer(user=a, conversation=conversation, cite=world[1]["cite"])
    with pytest.raises(services.CounsellingError):
        services.message_post(conversation=conversation, author="counsellor", text="deux", counsellor=a)


def test_leaving_a_taken_conversation_tells_the_counsellor(world):
    alpha, _ = world
    a = alpha["users"]["counsellor"]
    present(a)
    started = services.conversation_start(theme="job", language="fr")

    def take():
        services.conversation_take(user=a, conversation=started.conversation)

    async def scenario():
        visitor = await _visitor(started.key)  # says hello while still waiting
        await _receive_until(visitor, "state")
        await sync_to_async(take)()
        await visitor.send_json_to({"type": "leave"})
        seen = []
        for _ in range(6):
            data = await visitor.receive_json_from(timeout=3)
            seen.append(data)
            if data["type"] == "message" and "quitté" in data["text"]:
                break
        await visitor.disconnect()
        return seen

    seen = async_to_sync(scenario)()
    assert any(m["type"] == "message" and "quitté" in m["text"] for m in seen)
