"""Questions by e-mail: the public form, the counsellors' inbox, the answer through a real SMTP
server (aiosmtpd on 127.0.0.1), the visitor's reply joining the thread (through the SMTP handler and
through a maildir), the e-mail interview, and the address deleted after the thread closes."""

import datetime
import email
import email.policy
import mailbox
import smtplib
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.activity.models import Interview, Visit
from cdm.counselling import services
from cdm.counselling.inbound import InboundHandler
from cdm.counselling.models import CounsellingSettings, Question, QuestionMessage, QuestionStatus

from .conftest import make_cite_world


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Captured:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp():
    handler = Captured()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        DEFAULT_FROM_EMAIL="conseil@cdm.example",
    ):
        yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_counters():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(transactional_db):
    return make_cite_world("alpha"), make_cite_world("beta", "BE")


def ask(client, **overrides):
    data = {
        "theme": "job",
        "language": "fr",
        "cite": "alpha",
        "question": "Comment devenir <i>menuisier</i> ?",
        "email": "visiteur@example.org",
    }
    data.update(overrides)
    return client.post(reverse("counselling:ask"), data)


def reply_to(message, question_text: str, body: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = message["To"]
    reply["To"] = message["Reply-To"]
    reply["Subject"] = "Re: " + message["Subject"]
    quoted = "\n".join("> " + line for line in message.get_content().splitlines())
    reply.set_content(f"{body}\n\n{quoted}\n")
    return reply.as_bytes()


def test_the_form_makes_an_anonymous_ticket_in_the_cites_inbox(client, world):
    alpha, beta = world
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == reverse("counselling:ask_sent")
    with scopes_disabled():
        question = Question.objects.get()
    assert question.cite == alpha["cite"] and question.status == QuestionStatus.OPEN
    client.force_login(alpha["users"]["counsellor"])
    inbox = client.get(reverse("counselling:inbox")).content.decode()
    assert question.code in inbox
    page = client.get(reverse("counselling:question", kwargs={"pk": question.pk})).content.decode()
    # The visitor's text is escaped, never HTML.
    assert "&lt;i&gt;menuisier&lt;/i&gt;" in page and "<i>menuisier</i>" not in page
    client.force_login(beta["users"]["counsellor"])
    assert client.get(reverse("counselling:question", kwargs={"pk": question.pk})).status_code == 404
    client.force_login(alpha["users"]["agent"])
    assert client.get(reverse("counselling:inbox")).status_code == 403


def test_any_cite_routes_by_theme_and_language(client, world):
    alpha, beta = world
    with scopes_disabled():
        alpha["cite"].languages = ["fr"]
        alpha["cite"].save()
        beta["cite"].languages = ["nl", "fr"]
        beta["cite"].save()
    ask(client, cite="", language="nl")
    with scopes_disabled():
        assert Question.objects.get().cite == beta["cite"]


def test_the_form_is_rate_limited_per_address(client, world):
    codes = [ask(client).status_code for _ in range(6)]
    assert codes == [302] * 5 + [200]
    with scopes_disabled():
        assert Question.objects.count() == 5


def test_answer_reply_close_and_the_address_deleted_later(client, world, smtp):
    alpha, _beta = world
    ask(client)
    with scopes_disabled():
        question = Question.objects.get()
    client.force_login(alpha["users"]["counsellor"])
    url = reverse("counselling:question", kwargs={"pk": question.pk})
    response = client.post(url, {"do": "answer", "text": "Voici les formations de menuisier."})
    assert response.status_code == 302
    # The answer reached the real SMTP server, addressed to the visitor, with a reply token.
    [(recipients, sent)] = smtp.messages
    assert recipients == ["visiteur@example.org"]
    assert f"[CDM-{question.reply_token}]" in sent["Subject"]
    assert sent["Reply-To"] == f"conseil+{question.reply_token}@cdm.example"
    assert "Voici les formations de menuisier." in sent.get_content()

    # The visitor replies: the SMTP handler ingests it into the thread (quoted lines left out).
    inbound = Controller(InboundHandler(), hostname="127.0.0.1", port=free_port())
    inbound.start()
    try:
        with smtplib.SMTP("127.0.0.1", inbound.port) as relay:
            relay.send_message(email.message_from_bytes(reply_to(sent, "", "Merci ! Et en alternance ?")))
    finally:
        inbound.stop()
    with scopes_disabled():
        question.refresh_from_db()
        thread = list(QuestionMessage.objects.filter(question=question).values_list("author", "text"))
    assert thread[-1] == ("visitor", "Merci ! Et en alternance ?")
    assert [a for a, _t in thread] == ["visitor", "counsellor", "visitor"]
    assert question.status == QuestionStatus.OPEN and question.message_count == 3

    # Closed: an e-mail interview, counted.
    assert client.post(url, {"do": "close"}).status_code == 302
    with scopes_disabled():
        question.refresh_from_db()
        visit = Visit.objects.get(pk=question.visit_id)
        assert (visit.channel, visit.outcome, visit.theme) == ("email", "interview", "job")
        assert Interview.objects.filter(visit=visit, partner=alpha["partner"]).exists()
    # The address stays while the thread is open plus the Cité's period (7 days by default), then goes.
    closed = question.closed_at
    services.purge(now=closed + datetime.timedelta(days=6))
    with scopes_disabled():
        assert Question.objects.get(pk=question.pk).email == "visiteur@example.org"
    done = services.purge(now=closed + datetime.timedelta(days=8))
    assert done.addresses == 1
    with scopes_disabled():
        question.refresh_from_db()
    assert question.email == "" and question.address_deleted_at is not None
    # A closed thread is answered no more.
    assert client.post(url, {"do": "answer", "text": "encore"}).status_code == 200
    assert len(smtp.messages) == 1


def test_a_cites_own_address_period(client, world):
    alpha, _ = world
    with scopes_disabled():
        CounsellingSettings.objects.create(cite=alpha["cite"], address_days=1)
    ask(client)
    with scopes_disabled():
        question = Question.objects.get()
    services.question_close(user=alpha["users"]["counsellor"], question=question)
    with scopes_disabled():
        question.refresh_from_db()
    assert services.purge(now=question.closed_at + datetime.timedelta(hours=12)).addresses == 0
    assert services.purge(now=question.closed_at + datetime.timedelta(days=2)).addresses == 1


def test_replies_from_a_maildir(client, world, smtp, tmp_path):
    alpha, _ = world
    ask(client)
    with scopes_disabled():
        question = Question.objects.get()
    services.question_answer(user=alpha["users"]["counsellor"], question=question, text="Réponse")
    [(_r, sent)] = smtp.messages
    box = mailbox.Maildir(tmp_path / "mail", create=True)
    box.add(reply_to(sent, "", "Une précision"))
    box.add(b"From: x@example.org\nTo: conseil@cdm.example\nSubject: hello\n\nspam\n")
    call_command("counselling_inbox", maildir=str(tmp_path / "mail"))
    with scopes_disabled():
        texts = list(QuestionMessage.objects.filter(question=question).values_list("text", flat=True))
    assert texts[-1] == "Une précision"
    assert not list((tmp_path / "mail" / "new").iterdir())


def test_nothing_of_the_sender_is_kept_from_a_reply(client, world, smtp):
    alpha, _ = world
    ask(client)
    with scopes_disabled():
        question = Question.objects.get()
    services.question_answer(user=alpha["users"]["counsellor"], question=question, text="Réponse")
    [(_r, sent)] = smtp.messages
    raw = reply_to(sent, "", "ok").replace(b"visiteur@example.org", b"autre-adresse@example.net")
    services.question_ingest(raw)
    with scopes_disabled():
        question.refresh_from_db()
        assert question.email == "visiteur@example.org"
        assert not QuestionMessage.objects.filter(text__contains="autre-adresse").exists()
    assert timezone.now() >= question.received_at
