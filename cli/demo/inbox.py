"""A dozen varied messages for the demo inbox: what a privacy inbox really receives.

Requests in Finnish, Swedish and English, in every style (a formal letter, a one-liner,
a newsletter reply, HTML-only webmail, Latin-1 from an old client, the website form),
next to an out-of-office reply, a bounce and a question sent to the wrong address.
"""

from __future__ import annotations

import mailbox
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from store import clock


@dataclass(frozen=True)
class DemoPerson:
    name: str
    email: str
    phone: str
    customer_no: str


def _message(
    sender: DemoPerson | tuple[str, str],
    to: str,
    subject: str,
    body: str,
    at: datetime,
    *,
    charset: str = "utf-8",
) -> EmailMessage:
    name, address = (sender.name, sender.email) if isinstance(sender, DemoPerson) else sender
    message = EmailMessage()
    message["From"] = f"{name} <{address}>" if name else address
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or "example.fi")
    message.set_content(body, charset=charset)
    return message


def demo_messages(
    people: Sequence[DemoPerson],
    inbox: str,
    now: datetime | None = None,
    *,
    form_sender: str = "",
) -> list[EmailMessage]:
    """The demo messages, addressed to ``inbox``, from ``people`` (at least six); the form's
    mail comes from ``form_sender`` (one of ``mail.website_form_senders``), or from the
    person when there is none."""
    now = now or clock.now()
    p = list(people)

    def at(minutes: int) -> datetime:
        return now - timedelta(minutes=minutes)

    messages = [
        _message(
            p[0],
            inbox,
            "Tietopyyntö",
            "Hei,\n\nhaluaisin tarkistaa, mitä tietoja teillä on minusta tallennettuna.\n\n"
            f"Ystävällisin terveisin\n{p[0].name}\n",
            at(300),
        ),
        _message(p[1], inbox, "poisto", "poistakaa tietoni\n", at(240)),
        _message(
            ("Jane Whitfield", "jane.whitfield@example.co.uk"),
            inbox,
            "Subject access request under Article 15 GDPR",
            "Dear Data Protection Officer,\n\nUnder Article 15 of the General Data "
            "Protection Regulation I request a copy of all personal data you hold about "
            "me, together with the information listed in Art. 15(1).\n\n"
            "I registered for tickets in Kotka last summer.\n\nYours faithfully,\n"
            "Jane Whitfield\n",
            at(200),
        ),
        _message(
            p[2],
            inbox,
            "Radering av mina uppgifter",
            "Hej!\n\nJag vill att ni raderar alla mina personuppgifter enligt artikel 17 "
            f"i dataskyddsförordningen.\n\nMed vänliga hälsningar\n{p[2].name}\n",
            at(180),
        ),
        _message(
            p[3],
            inbox,
            "Osoitteenmuutos",
            "Hei, osoitteeni on muuttunut. Uusi osoite: Kirkkokatu 5 B 12, 48100 Kotka.\n"
            "Uusi puhelinnumero on 040 765 4321.\n\nt. " + p[3].name + "\n",
            at(150),
        ),
        _message(
            p[4],
            inbox,
            "Re: Kotkan Leffojen uutiskirje – marraskuu",
            "En halua enää uutiskirjettä, kiitos.\n\n"
            "> Kotkan Leffat – marraskuun uutiskirje\n"
            "> Tervetuloa katsomaan joulun ensi-illat! Liput nyt myynnissä.\n"
            "> Haluatko tarkistaa tietosi? Vastaa tähän viestiin.\n",
            at(120),
        ),
        _message(
            ("Kotkan Leffat – verkkolomake", form_sender) if form_sender else p[5],
            inbox,
            "Tietosuojapyyntö verkkolomakkeelta",
            "Lomake: Tietosuojapyyntö\n"
            f"Nimi: {p[5].name}\nSähköposti: {p[5].email}\nPuhelin: {p[5].phone}\n"
            f"Asiakasnumero: {p[5].customer_no}\nPyyntö: Tietojen tarkastus\n"
            "Viesti: Haluan nähdä kaikki tietoni, myös lippuostot.\n",
            at(90),
        ),
        _message(
            ("Seppo Vanha", "seppo.vanha@kolumbus.fi"),
            inbox,
            "Tietojen tarkastus",
            "Pyydän tietojeni tarkastusta. Olen käynyt elokuvissa jo 1990-luvulta "
            "lähtien.\n\nSeppo Vanha, Hamina\n",
            at(80),
            charset="iso-8859-1",
        ),
        _message(
            ("Out of Office", "mikko.ahonen@yritys.example"),
            inbox,
            "Automaattinen vastaus: Tietopyyntö",
            "Olen lomalla 2.12. asti. Kiireellisissä asioissa soita vaihteeseen.\n",
            at(70),
        ),
        _message(
            ("", "MAILER-DAEMON@mail.example.fi"),
            inbox,
            "Undelivered Mail Returned to Sender",
            "This is the mail system at host mail.example.fi.\n\n"
            "I'm sorry to have to inform you that your message could not be delivered.\n",
            at(60),
        ),
        _message(
            ("Liisa Korhonen", "liisa.korhonen@example.fi"),
            inbox,
            "Lastenelokuvat",
            "Hei! Onko lauantaina lastenelokuvia ja mihin aikaan?\n",
            at(45),
        ),
        _message(
            p[0] if len(p) < 7 else p[6],
            inbox,
            "Tietojen käsittelyn rajoittaminen",
            "Hei,\n\nriitautan osoitetietojeni oikeellisuuden ja pyydän, että rajoitatte "
            "tietojeni käsittelyä siihen asti, kunnes asia on selvitetty (tietosuoja-"
            "asetuksen 18 artikla).\n",
            at(30),
        ),
    ]
    _html_only(messages, p, inbox, at(20))
    _mark_automatic(messages)
    return messages


def _html_only(
    messages: list[EmailMessage], people: list[DemoPerson], inbox: str, when: datetime
) -> None:
    person = people[7] if len(people) > 7 else people[1]
    message = EmailMessage()
    message["From"] = f"{person.name} <{person.email}>"
    message["To"] = inbox
    message["Subject"] = "Please delete my account"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain="webmail.example.com")
    message.set_content(
        "<html><body><p>Hello,</p><p>please <b>delete my account</b> and all my personal "
        "data. I have moved abroad.</p><p>Thanks,<br>" + person.name + "</p></body></html>",
        subtype="html",
    )
    messages.append(message)


def _mark_automatic(messages: list[EmailMessage]) -> None:
    for message in messages:
        if message["Subject"].startswith("Automaattinen vastaus"):
            message["Auto-Submitted"] = "auto-replied"
            message["X-Autoreply"] = "yes"
        if message["From"].startswith("MAILER-DAEMON"):
            message.replace_header(
                "Content-Type",
                'multipart/report; report-type=delivery-status; boundary="demo-bounce"',
            )
            message.set_payload(
                "--demo-bounce\nContent-Type: text/plain\n\nYour message could not be "
                "delivered.\n--demo-bounce\nContent-Type: message/delivery-status\n\n"
                "Reporting-MTA: dns; mail.example.fi\n\nFinal-Recipient: rfc822; "
                "nobody@example.fi\nAction: failed\nStatus: 5.1.1\n--demo-bounce--\n"
            )
            message["Return-Path"] = "<>"


def write_maildir(folder: Path, messages: Sequence[EmailMessage]) -> int:
    """Deliver ``messages`` into the Maildir at ``folder`` (created if missing)."""
    box = mailbox.Maildir(folder, create=True)
    for message in messages:
        box.add(mailbox.MaildirMessage(message.as_bytes()))
    return len(messages)
