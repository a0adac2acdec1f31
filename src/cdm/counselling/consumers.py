"""The chat's websockets: one for the visitor, one for the counsellor (their queue screen).

The visitor presents their conversation's key in a message (``hello``), never in the URL: a URL
lands in servers' logs. Every message is stored before it is sent to anyone, numbered (``seq``);
a client that reconnects says the last number it displayed (``after``) and gets what it missed.
A message sent twice (a resend after a dropped socket) carries the same ``client_id``: stored once.

Nothing here logs a message, an address or a user agent.
"""

import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from cdm.accounts.permissions import Action, may
from cdm.accounts.scoping import user_scope

from . import services
from .models import Author, Conversation, ConversationStatus, Message

MAX_FRAME = 8192


class Bucket:
    """A token bucket: ``burst`` at once, then ``rate`` per second."""

    def __init__(self, burst: int, rate: float):
        self.burst, self.rate = burst, rate
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class _Base(AsyncJsonWebsocketConsumer):
    role = ""
    # Messages per connection: a burst, then so many a second (a counsellor leads several at once).
    message_burst, message_rate = 8, 1.0

    async def connect(self):
        self.messages_bucket = Bucket(burst=self.message_burst, rate=self.message_rate)
        self.other_bucket = Bucket(burst=20, rate=5.0)
        self.groups_joined: set[str] = set()
        await self.accept()

    async def dispatch(self, message):
        """Channels' own, without its ``aclose_old_connections()`` before every frame and every event.

        That call is a hop to the one thread all database work shares (``thread_sensitive``): four
        per chat message (the frame, then the event at each of its recipients), queued behind every
        other socket's. Here nothing touches the database outside ``database_sync_to_async``, which
        closes old connections itself around each call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def join(self, group: str):
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def websocket_receive(self, message):
        text = message.get("text")
        if text is None or len(text) > MAX_FRAME:
            await self.send_json({"type": "error", "reason": "too_long"})
            return
        await super().websocket_receive(message)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.on_ping()
            await self.send_json({"type": "pong"})
            return
        bucket = self.messages_bucket if kind == "message" else self.other_bucket
        if not bucket.take():
            await self.send_json({"type": "error", "reason": "rate"})
            return
        handler = getattr(self, f"on_{kind}", None) if isinstance(kind, str) and kind.isidentifier() else None
        if handler is None:
            await self.send_json({"type": "error", "reason": "unknown"})
            return
        try:
            await handler(content)
        except services.CounsellingError as exc:
            await self.send_json({"type": "error", "reason": exc.message, "field": exc.field})

    async def on_ping(self):
        pass

    async def _deliver(self, conversation_id: int, message: Message):
        """To everyone in the conversation, a resend too: the first sending may have died with the
        socket that carried it, after the message was stored. Screens show a number once."""
        await self.channel_layer.group_send(
            services.conversation_group(conversation_id),
            {"type": "chat.message", "message": services.message_json(message)},
        )

    # Events from the layer.
    async def chat_message(self, event):
        await self.send_json({"type": "message", **event["message"]})

    async def chat_typing(self, event):
        if event.get("author") != self.role:
            await self.send_json({"type": "typing", "conversation": event["conversation"]})

    async def chat_read(self, event):
        await self.send_json(
            {
                "type": "read",
                "conversation": event["conversation"],
                "reader": event["reader"],
                "seq": event["seq"],
            }
        )


@database_sync_to_async
def _backlog(conversation_id: int, after: int) -> list[dict]:
    with services.network_scope():
        return [
            services.message_json(m)
            for m in Message.objects.filter(conversation_id=conversation_id, seq__gt=after).order_by("seq")[
                :500
            ]
        ]


class VisitorConsumer(_Base):
    role = Author.VISITOR
    conversation: Conversation | None = None

    async def _require(self):
        if self.conversation is None:
            raise services.CounsellingError("key", "hello first")

    async def on_hello(self, content):
        conversation = await database_sync_to_async(services.conversation_by_key)(content.get("key"))
        if (
            conversation is None
            or conversation.status == ConversationStatus.BLOCKED
            or conversation.purged_at
        ):
            await self.send_json({"type": "gone"})
            await self.close()
            return
        self.conversation = conversation
        await self.join(services.conversation_group(conversation.pk))
        await self.chat_state({})
        after = content.get("after") if isinstance(content.get("after"), int) else 0
        for message in await _backlog(conversation.pk, after):
            await self.send_json({"type": "message", **message})

    async def on_message(self, content):
        await self._require()
        message, _created = await database_sync_to_async(services.message_post)(
            conversation=self.conversation,
            author=Author.VISITOR,
            text=str(content.get("text", "")),
            client_id=str(content.get("client_id", "")),
        )
        await self._deliver(self.conversation.pk, message)

    async def on_typing(self, content):
        await self._require()
        await self.channel_layer.group_send(
            services.conversation_group(self.conversation.pk),
            {"type": "chat.typing", "author": self.role, "conversation": self.conversation.pk},
        )

    async def on_read(self, content):
        await self._require()
        seq = content.get("seq")
        if not isinstance(seq, int):
            return
        seq = await database_sync_to_async(services.mark_read)(
            conversation=self.conversation, reader=Author.VISITOR, seq=seq
        )
        await self.channel_layer.group_send(
            services.conversation_group(self.conversation.pk),
            {"type": "chat.read", "conversation": self.conversation.pk, "reader": self.role, "seq": seq},
        )

    async def on_state(self, content):
        await self._require()
        await self.chat_state({})

    async def on_helped(self, content):
        await self._require()
        await database_sync_to_async(services.conversation_feedback)(
            conversation=self.conversation, helped=bool(content.get("value"))
        )
        await self.send_json({"type": "thanks"})

    async def on_profile(self, content):
        """The optional profile questions at the end, answered (or skipped: an empty ``answers``)."""
        await self._require()
        answers = content.get("answers")
        saved = await database_sync_to_async(services.conversation_profile)(
            conversation=self.conversation, answers=answers if isinstance(answers, dict) else {}
        )
        await self.send_json({"type": "profile", "saved": saved})

    async def on_leave(self, content):
        await self._require()
        await database_sync_to_async(services.conversation_leave)(conversation=self.conversation)

    async def on_delete(self, content):
        await self._require()
        await database_sync_to_async(services.conversation_delete)(conversation=self.conversation)

    async def chat_state(self, event):
        if self.conversation is not None:
            await self.send_json(await database_sync_to_async(services.conversation_state)(self.conversation))

    async def chat_deleted(self, event):
        await self.send_json({"type": "deleted"})

    async def chat_blocked(self, event):
        await self.send_json({"type": "blocked"})
        await self.close()


class CounsellorConsumer(_Base):
    """A counsellor's queue screen: presence, the conversations they lead, and the queue's changes."""

    role = Author.COUNSELLOR
    message_burst, message_rate = 40, 20.0

    async def connect(self):
        self.user = self.scope.get("user")
        allowed = await database_sync_to_async(self._allowed)()
        if not allowed:
            await self.close(code=4403)
            return
        self.leading: set[int] = set()  # the conversations joined, while this counsellor leads them
        await super().connect()
        for cite_id in allowed:
            await self.join(services.cite_group(cite_id))
        await database_sync_to_async(services.presence_touch)(user=self.user)

    def _allowed(self) -> list[int] | None:
        user = self.user
        if user is None or not user.is_authenticated or not may(user, Action.COUNSEL):
            return None
        return [c for c in user.cite_ids if may(user, Action.COUNSEL, c)]

    async def disconnect(self, code):
        await super().disconnect(code)
        if getattr(self, "user", None) is not None and self.user.is_authenticated:
            await database_sync_to_async(services.presence_leave)(user=self.user)

    async def on_ping(self):
        await database_sync_to_async(services.presence_touch)(user=self.user)

    def _mine(self, conversation_id) -> Conversation:
        """The conversation, if this counsellor leads it (inside their own scope: another Cité's does not exist)."""
        if not isinstance(conversation_id, int):
            raise services.CounsellingError("conversation", _("conversation inconnue"), 404)
        with user_scope(self.user):
            conversation = Conversation.objects.filter(
                pk=conversation_id, status=ConversationStatus.ACTIVE, counsellor=self.user
            ).first()
        if conversation is None or not may(self.user, Action.COUNSEL, conversation):
            raise services.CounsellingError("conversation", _("conversation inconnue"), 404)
        return conversation

    async def on_join(self, content):
        conversation = await database_sync_to_async(self._mine)(content.get("conversation"))
        self.leading.add(conversation.pk)
        await self.join(services.conversation_group(conversation.pk))
        after = content.get("after") if isinstance(content.get("after"), int) else 0
        await self.send_json(await database_sync_to_async(services.conversation_state)(conversation))
        for message in await _backlog(conversation.pk, after):
            await self.send_json({"type": "message", **message})

    async def on_message(self, content):
        conversation_id = content.get("conversation")
        if not isinstance(conversation_id, int) or conversation_id not in self.leading:
            raise services.CounsellingError("conversation", _("conversation inconnue"), 404)
        # Stored only while this counsellor leads it: message_post's own condition, one query.
        conversation = Conversation(pk=conversation_id)
        message, _created = await database_sync_to_async(services.message_post)(
            conversation=conversation,
            author=Author.COUNSELLOR,
            text=str(content.get("text", "")),
            client_id=str(content.get("client_id", "")),
            counsellor=self.user,
        )
        await self._deliver(conversation.pk, message)

    async def on_typing(self, content):
        conversation_id = content.get("conversation")
        if conversation_id not in self.leading:
            raise services.CounsellingError("conversation", _("conversation inconnue"), 404)
        await self.channel_layer.group_send(
            services.conversation_group(conversation_id),
            {"type": "chat.typing", "author": self.role, "conversation": conversation_id},
        )

    async def on_read(self, content):
        conversation = await database_sync_to_async(self._mine)(content.get("conversation"))
        seq = content.get("seq")
        if not isinstance(seq, int):
            return
        seq = await database_sync_to_async(services.mark_read)(
            conversation=conversation, reader=Author.COUNSELLOR, seq=seq
        )
        await self.channel_layer.group_send(
            services.conversation_group(conversation.pk),
            {"type": "chat.read", "conversation": conversation.pk, "reader": self.role, "seq": seq},
        )

    async def queue_changed(self, event):
        await self.send_json({"type": "queue"})

    async def chat_state(self, event):
        # Transferred or closed: this counsellor hears no more of it.
        conversation_id = event.get("conversation")
        if conversation_id is not None:
            try:
                await database_sync_to_async(self._mine)(conversation_id)
            except services.CounsellingError:
                self.leading.discard(conversation_id)
                group = services.conversation_group(conversation_id)
                await self.channel_layer.group_discard(group, self.channel_name)
                self.groups_joined.discard(group)
        await self.send_json({"type": "queue"})

    async def chat_deleted(self, event):
        await self.send_json({"type": "queue"})

    async def chat_blocked(self, event):
        await self.send_json({"type": "queue"})
