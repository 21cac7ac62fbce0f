"""Recognising mail that no person wrote to us, so it is never answered (RFC 3834).

The union of what the help desks learned (DESIGN.md, "Mail in: guarantees"):
``Auto-Submitted`` other than ``no``; ``Precedence`` bulk/junk/list/auto_reply;
``X-Autoreply``, ``X-Autorespond``, ``X-Autoresponder``; ``X-Auto-Response-Suppress``
All/OOF/AutoReply; ``List-Id`` or ``List-Unsubscribe``; ``Return-Path: <>``;
mailer-daemon@ and postmaster@; ``multipart/report``; our own ``X-Loop`` or Message-ID.
Beyond it, the marks every list manager leaves (``List-Post``, ``X-Mailman-Version``,
``X-BeenThere``, a ``-request@``/``-owner@``/``-bounces@`` sender): a list digest that
mentions "unsubscribe" must not become a marketing objection.
"""

from __future__ import annotations

import re

from mailbot.compose import is_own_message_id
from mailbot.junk import junk_signals
from mailbot.parsing import ParsedMessage
from store.config import Settings

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
MAILING_LIST = "mailing_list"
OWN_ADDRESS = "own_address"
DUPLICATE = "duplicate"
SPAM = "spam"
EMPTY = "empty"
NO_SENDER = "no_sender"
IGNORE_REASONS = (
    AUTO_REPLY,
    BOUNCE,
    MAILING_LIST,
    OWN_ADDRESS,
    DUPLICATE,
    SPAM,
    EMPTY,
    NO_SENDER,
)

_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
# Beyond the union: what list managers (Mailman, Sympa) put on every mail, digests included.
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post", "X-Mailman-Version", "X-BeenThere")
_LIST_SENDER_SUFFIXES = ("-request", "-owner", "-bounces", "-admin")
_SUPPRESS_VALUES = {"all", "oof", "autoreply"}


def own_addresses(settings: Settings) -> set[str]:
    """The addresses our own mail comes from: the privacy desk's and the newsletter's."""
    return {
        address.strip().lower()
        for address in (
            settings.mail.from_address,
            settings.controller.privacy_inbox,
            settings.newsletter.from_address,
            settings.newsletter.reply_to,
        )
        if address
    }


def ignore_reason(message: ParsedMessage, settings: Settings) -> str | None:
    """Why ``message`` must be ignored and never answered, or None for a person's mail.

    A website form message is sent by the website on a person's behalf, so it is judged by
    the automatic-mail headers only, never as "our own address".  A mail without a subject,
    text or attachment, and one without a sender address (zero bytes, garbage), is nobody's
    request: it gets no legal deadline, and staff still see it with its reason.
    """
    if not (message.subject.strip() or message.full_text.strip() or message.attachments):
        return EMPTY  # zero bytes, headers only: nobody asked anything
    if not message.from_address:
        return NO_SENDER  # garbage, or a From no answer could reach: not a request
    if _is_own(message, settings) and message.form is None:
        return OWN_ADDRESS
    if _is_spam(message):
        return SPAM  # never answered: an acknowledgement would confirm the address
    if _is_read_receipt(message):
        return AUTO_REPLY
    if _is_bounce(message):
        return BOUNCE
    if _is_list(message):
        return MAILING_LIST
    if _is_auto_reply(message):
        return AUTO_REPLY
    if any(value.strip() == "<>" for value in message.header_values("Return-Path")):
        return BOUNCE  # the null sender is how delivery reports travel
    if _is_auto_reply_text(message):
        return AUTO_REPLY
    if junk_signals(message, {address.rpartition("@")[2] for address in own_addresses(settings)}):
        return SPAM  # past the filter without a verdict: bait, pressure, nobody speaking
    return None


def _is_own(message: ParsedMessage, settings: Settings) -> bool:
    ours = own_addresses(settings)
    if message.from_address in ours:
        return True
    if message.message_id and is_own_message_id(message.message_id, settings):
        return True
    return any(value.strip().lower() in ours for value in message.header_values("X-Loop"))


def _is_spam(message: ParsedMessage) -> bool:
    """The verdict the receiving mail server wrote: SpamAssassin's ``X-Spam-Flag: YES`` or
    ``X-Spam-Status: Yes, score=…``, rspamd's ``X-Spam: yes`` or ``X-Spamd-Result`` with
    the ``True`` verdict (``default: True [12.3 / 15.0]``)."""
    if any(value.strip().lower() == "yes" for value in message.header_values("X-Spam-Flag")):
        return True
    if any(
        value.strip().lower().startswith("yes")
        for value in (*message.header_values("X-Spam-Status"), *message.header_values("X-Spam"))
    ):
        return True
    return any(
        re.match(r"\s*\w+\s*:\s*true\b", value, re.IGNORECASE)
        for value in message.header_values("X-Spamd-Result")
    )


def _is_read_receipt(message: ParsedMessage) -> bool:
    return (
        message.content_type == "multipart/report"
        and "disposition-notification" in message.header("Content-Type").lower()
    )


def _is_bounce(message: ParsedMessage) -> bool:
    if message.content_type == "multipart/report":
        return True
    return message.from_address.startswith(_BOUNCE_SENDERS)


def _is_list(message: ParsedMessage) -> bool:
    if any(message.header_values(name) for name in _LIST_HEADERS):
        return True
    senders = [
        message.from_address,
        *(_address(value) for value in message.header_values("Sender")),
    ]
    if any(sender.partition("@")[0].endswith(_LIST_SENDER_SUFFIXES) for sender in senders):
        return True
    return _precedence(message) & {"bulk", "junk", "list"} != set()


def _address(value: str) -> str:
    return value.rpartition("<")[2].rstrip(">").strip().lower()


# The subject an out-of-office or vacation reply gets from clients that add no RFC 3834
# header (Thunderbird's vacation filter, older Exchange, webmail responders), in the
# languages of the EU.  Only the start of the subject counts.
_AUTO_REPLY_SUBJECT = re.compile(
    r"""^\s*(?:
        automaattinen\ vastaus | poissaoloilmoitus | poissa\ toimistolta | lomaviesti
      | automatic\ reply | auto(?:matic)?[\ -]?(?:reply|response) | out\ of\ (?:the\ )?office
      | autosvar | automatiskt\ svar | frånvaro(?:meddelande)? | frånvarande
      | automatische\ antwort | abwesenheit(?:snotiz)?
      | réponse\ automatique | absence | respuesta\ automática | fuera\ de\ la\ oficina
      | risposta\ automatica | fuori\ sede | automatisch\ antwoord | afwezig
      | odpowiedź\ automatyczna | automaatvastus | automatisk\ svar | resposta\ automática
    )\s*(?::|$|\s-|\s\()""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_auto_reply(message: ParsedMessage) -> bool:
    if _AUTO_REPLY_SUBJECT.match(message.subject):
        return True
    for value in message.header_values("Auto-Submitted"):
        if value.split(";")[0].strip().lower() not in ("", "no"):
            return True
    if "auto_reply" in _precedence(message):
        return True
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if message.header_values(name):
            return True
    for value in message.header_values("X-Auto-Response-Suppress"):
        tokens = {token.strip().lower() for token in value.split(",")}
        if tokens & _SUPPRESS_VALUES:
            return True
    return False


# An out-of-office text without any header or subject to tell it (a hosted responder that
# keeps the original subject): "I am away … back on", "Olen lomalla … palaan", short.
_AWAY = re.compile(
    r"""(?:\bolen\ (?:\w+\ )?(?:lomalla|poissa|vuosilomalla|koulutuksessa|matkoilla|sairauslomalla)
      | \bi\ am\ (?:currently\ )?(?:out\ of\ (?:the\ )?office|away|on\ (?:annual\ )?leave
          |on\ holiday|on\ vacation)
      | \bi'?m\ (?:currently\ )?(?:out\ of\ (?:the\ )?office|away|on\ (?:annual\ )?leave
          |on\ holiday|on\ vacation)
      | \bjag\ är\ (?:\w+\ )?(?:på\ semester|ledig|borta|tjänstledig|föräldraledig)
      | \bich\ bin\ .{0,40}(?:abwesend|nicht\ im\ büro|im\ urlaub)
      | \bje\ suis\ (?:actuellement\ )?absente?
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BACK = re.compile(
    r"\b(?:palaan|palaan töihin|paluu|takaisin|asti|back (?:on|in|at)|return(?:ing)? on|until|"
    r"(?:upon|on|after) my return|tillbaka|åter|till och med|t\.o\.m|zurück|bis zum|de retour|"
    r"jusqu'au)\b",
    re.IGNORECASE,
)


# The subject such a responder sends: the original one answered ("Re: …", "VS: …"), a
# word of absence, or none.  A person's own subject ("Absence de réponse à ma demande")
# above a line about their holiday is still a person's mail.
_RESPONDER_SUBJECT = re.compile(
    # Finnish compounds count by their last part: "Vuosiloma 6.7.–2.8.", "Kesälomalla".
    r"^\s*(?:$|(?:re|vs|sv|aw|antw|r|ynt)\s*:|.*\b(?:\w*loma(?:lla|lta)?|poissa|vacation|"
    r"holiday|away|out of office|semester|ledig|frånvarande|urlaub|abwesend|congés?|vacances)\b)",
    re.IGNORECASE,
)


def _is_auto_reply_text(message: ParsedMessage) -> bool:
    text = message.body_text or message.full_text
    if len(text) > 800 or message.form is not None:
        return False
    if not _RESPONDER_SUBJECT.match(message.subject):
        return False
    return bool(_AWAY.search(text) and _BACK.search(text))


def _precedence(message: ParsedMessage) -> set[str]:
    return {value.strip().lower() for value in message.header_values("Precedence")}
