"""An SMTP handler (aiosmtpd's interface) that ingests the visitors' replies as they arrive.

    from aiosmtpd.controller import Controller
    Controller(InboundHandler(), hostname="127.0.0.1", port=2525).start()

Nothing of the envelope (the sender's address, the client's IP) is kept.
"""

from asgiref.sync import sync_to_async

from .services import question_ingest


class InboundHandler:
    async def handle_DATA(self, server, session, envelope):
        question = await sync_to_async(question_ingest, thread_sensitive=False)(
            envelope.original_content or envelope.content
        )
        return "250 OK" if question is not None else "550 no such conversation"
