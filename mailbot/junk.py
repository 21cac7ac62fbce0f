"""Spam and phishing that reached the inbox without a spam verdict header.

A mail server's verdict (``X-Spam-Flag`` and the like, :mod:`mailbot.automatic`) is the
first word; this is the second, for what got past the filter.  No single signal decides:
a person who is angry and in a hurry also writes "immediately", and a real request may
carry a link.  A mail is junk when several of these add up to :data:`THRESHOLD` and one
of them is the bait (a link, a login or payment prompt, or a bulk sender's "reply
REMOVE" footer):

- the bulk sender's footer: "reply "unsubscribe"", "to be taken off my list", "if you don't
  want further emails" (a person asking us to stop writes "I don't want", not "if you");
- the bait: log in / verify / click the link / pay a fee, a link to a domain not ours, a
  pitch's "reply to us for a quote";
- the pressure: a deadline in hours, "your account will be deleted / suspended";
- a sales pitch or a prize (SEO, "page one of Google", a lottery win);
- the sender: a ``noreply`` address that is not a website form, or a display name that
  names a domain the address is not from ("Suomi.fi" <viestit@example.invalid>);
- no person speaking: no "I", "my", "minä", "jag" anywhere, only "you" and "your".

The signals found are returned by :func:`junk_signals`, so staff can see why.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from mailbot.parsing import ParsedMessage
from mailbot.text import bounded


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


BULK_FOOTER = _any(
    r"\breply (?:with )?[\"'“”‘’«]?(?:remove|stop|unsubscribe|no|optout|opt-out)\b",
    r"\b(?:to be|get|be) (?:taken|removed) (?:off|from) (?:my|our|this|the) (?:mailing )?list",
    r"\bif you (?:don'?t|do not|no longer) (?:want|wish)\b",
    r"\bif (?:this|it) is not (?:relevant|of interest)\b",
    r"\bjos et (?:enää )?halua (?:\w+ ){0,2}(?:vastaanottaa|saada|viestejä|postia)",
    r"\bom du inte (?:längre )?vill (?:ha|få)\b",
    r"\bwenn sie (?:keine|diese) .{0,30}(?:nicht mehr|mehr) (?:erhalten|wünschen)",
    r"\bsi vous ne (?:souhaitez|voulez) plus\b",
)
BAIT = _any(
    r"\blog ?in\b",
    r"\bsign ?in\b",
    r"\bkirjaudu\w*",
    r"\bkirjautu\w*",
    r"\blogga in\b",
    r"\bverify (?:your|the|now)\b",
    r"\bconfirm your (?:account|identity|details|password|payment)\b",
    r"\bvahvista\w* (?:\w+ )?(?:tili|tunnu|henkilöllisyy|tieto)\w*",
    r"\bclick (?:here|the link|below|on the link)\b",
    r"\bklikkaa\w*",
    r"\bnapsauta\w*",
    r"\b(?:alla olevasta|oheisesta|tästä) linki\w*",
    r"\blinkistä\b",
    r"\bklicka (?:här|på länken)\b",
    r"\bcliquez\b",
    r"\bklicken sie\b",
    # A pitch's call to answer: "Reply to us for your web site quote".
    r"\b(?:reply|respond|write) (?:to us|to this (?:e-?mail|message)|back) (?:for|to get)\b",
    r"\bvastaa (?:tähän )?(?:viestiin|sähköpostiin) (?:niin|saat)\b",
)
PAYMENT = _any(
    r"\bmaksa\b",
    r"\bmaksamalla\b",
    r"\b\w*maksu\w*",
    r"\bpay (?:the|a|your)\b",
    r"\b(?:delivery|customs|processing|handling|release) fee\b",
    r"\bbetala\b",
)
MONEY = re.compile(r"(?:€|\$|£|\beur\b|\busd\b|\bkr\b)", re.IGNORECASE)
PRESSURE = _any(
    r"\b\d{1,3} (?:tunnin|tunnissa|hours?|timmar|timmarna|stunden)\b",
    r"\bwithin \d{1,3} (?:hours?|days?)\b",
    r"\b(?:will|shall) be (?:permanently )?(?:deleted|closed|suspended|locked|blocked|terminated|"
    r"removed|deactivated)\b",
    r"\b(?:account|tili\w*|konto\w*) (?:\w+ ){0,3}(?:suljetaan|lukitaan|poistetaan|"
    r"suspended|closed|locked|spärras|stängs)\b",
    r"\b(?:tietosi|tilisi|tunnuksesi) (?:\w+ ){0,2}(?:poistetaan|suljetaan|lukitaan|vanhenee)",
    r"\bpoistetaan palvelusta\b",
    r"\baction required\b",
    r"\bimmediately\b",
    r"\burgent\w*",
    r"\bvälittömästi\b",
)
PITCH = _any(
    r"\bseo\b",
    r"\bpage (?:one|1) of google\b",
    r"\brank(?:ing)? (?:#?1|first|higher|on google|for)\b",
    r"\b(?:free|complimentary|no-obligation) (?:\w+ )?(?:audit|trial|quote|consultation|analysis|"
    r"review)\b",
    r"\bsearch engines?\b|\bhakukone\w*",
    r"\bweb ?site quote\b",
    r"\bwe can (?:help you|get you|offer you|boost|increase)\b",
    r"\b(?:lottery|lotto|jackpot|prize|winner|inheritance|beneficiary)\b",
    r"\bmillion (?:dollars|euros|usd|eur)\b",
    r"\b(?:voittanut|voitit|voittajaksi|perintö)\w*",
    r"\b(?:loterie|gagnant|gagné)\w*",
    r"\bguaranteed\b",
    r"\bcrypto\w*|\bbitcoin\b",
)
# Someone speaking for themselves, in the languages the desk sees most.
FIRST_PERSON = _any(
    r"\b(?:i|i'm|i've|i'd|my|me|mine|myself)\b",
    r"\b(?:minä|mä|minun|mun|minulle|mulle|minua|mua|minusta|musta|minulla|mulla|minut|"
    r"minulta|itse|haluan|pyydän|toivon|olen|en)\b",
    r"\b(?:jag|mig|min|mitt|mina|själv)\b",
    r"\b(?:ich|mein\w*|mich|mir|je|moi|mes|mon|yo|mis|io|ik|mijn|mij|mnie|moje|minu)\b",
)
NOREPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|noreply-[\w.-]*)@", re.IGNORECASE)
URL = re.compile(r"\bhttps?://([\w.-]+)", re.IGNORECASE)
DOMAIN_IN_NAME = re.compile(r"\b([\w-]+\.(?:fi|com|se|net|org|eu|io|gov|de|uk))\b", re.IGNORECASE)

THRESHOLD = 3
BAIT_SIGNALS = {"bulk footer", "login or link prompt", "payment prompt", "foreign link"}


def junk_signals(message: ParsedMessage, own_domains: Collection[str] = ()) -> list[str]:
    """What makes ``message`` look like spam or phishing (empty: nothing does)."""
    if message.form is not None:
        return []  # a website form relays a person's words: judged by its headers only
    text = bounded(f"{message.subject}\n{message.body_text or message.full_text}")[:20000]
    signals = []
    if BULK_FOOTER.search(text):
        signals += ["bulk footer", "bulk footer"]  # counts twice: nobody writes it to us
    if BAIT.search(text):
        signals.append("login or link prompt")
    if PAYMENT.search(text) and MONEY.search(text):
        signals.append("payment prompt")
    domains = {domain.lower() for domain in own_domains}
    links = [match.group(1).lower() for match in URL.finditer(text)]
    if any(not _within(link, domains) for link in links):
        signals.append("foreign link")
    if PRESSURE.search(text):
        signals.append("pressure")
    if PITCH.search(text):
        signals.append("sales pitch or prize")
    if _sender_mismatch(message):
        signals.append("sender")
    if not FIRST_PERSON.search(text):
        signals.append("nobody speaking for themselves")
    if len(signals) < THRESHOLD or not BAIT_SIGNALS & set(signals):
        return []
    return sorted(set(signals))


def _within(host: str, domains: set[str]) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def _sender_mismatch(message: ParsedMessage) -> bool:
    address = message.from_address.lower()
    if NOREPLY.match(address) and not message.reply_to:
        return True
    domain = address.rpartition("@")[2]
    named = [name.lower() for name in DOMAIN_IN_NAME.findall(message.from_name or "")]
    return any(not (domain == name or domain.endswith(f".{name}")) for name in named)
