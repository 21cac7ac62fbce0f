"""What a message asks for (the request kind), in which language, and how sure we are.

Rules over what the person wrote, not a trained model: staff can read why a guess was
made, and a wrong guess is cheap (they correct it in the TUI) while silence is not, so
every message that is not ignored still becomes a request.

- Finnish is inflected, so patterns match stems: ``tie(do|to)…`` finds tiedot, tietoni,
  tietojani, tietojeni; ``poist…`` finds poistakaa, poistaminen, poisto, poistetaan.
- A GDPR article number in any language ("15 artikla", "Art. 15", "artikel 17") is a
  strong signal of its right.
- Only the person's own words count: quoted text (our newsletter above all) and the
  subject of a reply ("Re: Kotkan Leffojen uutiskirje") never decide the kind.
- A marketing objection found next to another request ("erase my data and stop the
  newsletter") is reported as ``also_objection``: it is applied at once, the other queued.
- In a reply to our newsletter a bare "stop" ("lopettakaa tämä", "sluta skicka") means the
  newsletter: the caller says so with ``answers_marketing`` (the reply's headers point at a
  newsletter we sent), since the quoted newsletter itself is never read.
- A negated erasure ("älkää poistako tietojani", "don't delete my data") is not one.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from array import array
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from lzma import LZMAError
from pathlib import Path
from typing import Any, Literal

from mailbot import lemmas
from mailbot.text import bounded
from store import user_cache

LANGUAGES = ("fi", "sv", "en")

# ---------------------------------------------------------------- vocabulary


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


ACCESS = _any(
    r"\btarka[sd]t\w*",
    r"\btarkist\w*",
    r"\bjäljennö\w*",
    r"\bmitä (?:henkilö)?tietoj\w*",
    r"\bnäh(?:dä|däkseni)\b",
    r"\btietopyyn\w*",
    r"\bsaada (?:kaikki )?(?:henkilö)?tie\w*",
    r"\bluovutta\w* (?:minulle )?(?:kaikki )?tie\w*",
    r"\bkopio\w* tiedo\w*",
    r"\bregisterutdrag\w*",
    r"\btillgång till\b",
    r"\bvilka (?:person)?uppgifter\b",
    r"\bkopia av\b",
    r"\bta del av\b",
    r"\bse (?:mina|vilka|alla)\b",
    r"\bfå veta\b",
    r"\bbegär(?:a)? ut\b",
    r"\binsyn\w*",
    r"\bsubject access\b",
    r"\baccess (?:to|request)\b",
    r"\bcopy of\b",
    r"\bwhat (?:personal )?(?:data|information)\b",
    r"\b(?:data|information) (?:that )?you (?:hold|have|store|keep|process)\b",
    r"\bsee (?:my|the|all) (?:personal )?(?:data|information)\b",
    r"\bportab\w*",
    r"\bkopio\w* (?:\w+ )?(?:henkilö)?tie(?:do|to)\w*",
    r"\blähettäkää (?:\w+ ){0,2}tie(?:do|to)\w*",
    r"\bmitä (?:tietoja )?(?:teillä on|olette tallentaneet|tiedätte) (?:minusta|minulta)\b",
    r"\bwhat (?:have|do) you (?:got|have|hold|know|keep) (?:on|about) me\b",
    r"\bwhat (?:personal )?info\b",
    r"\b(?:have|hold|keep|got|store|stored|collected) (?:\w+ ){0,2}(?:on|about) me\b",
    r"\bcan i (?:get|have|receive|see) a copy\b",
    # where the data came from and whom it went to (Art. 15(1)(c) and (g))
    r"\b(?:where|how) did you (?:get|obtain|find|source|buy|receive) (?:\w+ ){0,2}"
    r"(?:details|data|information|info|number|address|e-?mail|name|contact)",
    r"\b(?:do|did|have|will) you (?:ever )?(?:sell|sold|share|shared|pass(?:ed)? on|disclose|"
    r"disclosed|give|given) (?:\w+ ){0,2}(?:data|information|info|details)\b",
    r"\bwho (?:have|did|do) you (?:shared?|sold|sell|gave|give|passed|disclosed?)\b",
    r"\bvar(?:ifrån)? har ni fått (?:\w+ ){0,2}(?:uppgift|adress|nummer|namn|kontakt)\w*",
    r"\b(?:säljer|lämnar|delar) ni (?:ut )?(?:\w+ ){0,2}uppgift\w*",
    r"\bmist[äa] (?:\w+ ){0,3}(?:sai|saa|saati|hank|löys|löyd|ost)\w*",
    r"\bkenelle (?:\w+ ){0,3}(?:luovut|myy|myi|anna|anta|jaa|jak|siirr|välit)\w*",
    r"\b(?:myy|myi|luovuta|luovute|luovuti|anna|jaa|jae|välitä|siirrä)\w*(?:ko|kö)\b"
    r" (?:\w+ ){0,3}(?:\w*tie(?:do|to)\w*|osoit\w*|numero\w*)",
    # French, Estonian, Romanian, Croatian model letters
    r"\bcopie (?:\w+ ){0,5}(?:données|informations)\b",
    r"\bdonnées (?:\w+ ){0,4}(?:sur|concernant) moi\b",
    r"\bdroit d'acc[eè]s\b",
    r"\bmilliseid (?:isiku)?andmeid\b",
    r"\bandmetega tutvu\w*",
    r"\bkoopia\w*",
    r"\baccesul\b",
    r"\bo copie a\b",
    r"\bpristup\w* (?:\w+ )?(?:osobnim )?podac\w*",
    r"\bkopij\w* (?:\w+ )?(?:osobnih )?podat\w*",
    # other EU languages: the plain words for access
    r"\bacc[eè]s (?:à|a) (?:mes|mis)\b",
    r"\bacceso a mis\b",
    r"\baccesso ai (?:miei )?dati\b",
    r"\bauskunft\w*",
    r"\binzage\w*",
    r"\bdostęp\w* do\b",
    r"\bligipääs\w*",
    r"\bindsigt\w*",
    r"\bacesso aos\b",
    r"\bkopi\w* (?:af|av|van|der|di|de) ",
    r"\binnsyn\w*",
    r"\bhvilke (?:person)?oplysninger\b",
    r"\bpřístup\w* k\b",
    r"\búdaje,? (?:které|co) o mně\b",
    r"\bπρόσβαση\w*",
    # Swedish: the information you hold about me, and whom you gave it to
    r"\b(?:information|uppgifter\w*) (?:som )?ni (?:har|sparat|lagrat|behandlar) om mig\b",
    r"\bvilka ni (?:har )?(?:skickat|lämnat|delat|sålt|gett)\b",
)
ERASE = _any(
    r"\bpoist\w*",
    r"\bpyyhk\w*",
    r"\bpyyhi\w*",
    r"\btuhot\w*",
    r"\btuhoa\w*",
    r"\bunohd\w*",
    r"\brader\w*",
    r"\bta(?:s)? bort\b",
    r"\bglömd\w*",
    r"\bdelet\w*",
    r"\beras\w*",
    r"\bremov\w*",
    r"\bforgotten\b",
    r"\bwipe\b",
    r"\bclose my account\b",
    r"\bhävit\w*",
    r"\bsulje\w* (?:\w+ )?tili\w*",
    r"\btili\w* (?:\w+ )?suljet\w*",
    r"\bget me off\b",
    r"\bkustuta\w*",
    r"\beffac\w*",
    r"\bsupprim\w*",
    r"\bsupresi[oó]n\b",
    r"\bsuprim\w*",
    r"\bborr(?:ar|en|ado|ado)\b",
    r"\bcancellazion\w*",
    r"\bcancella(?:re|te|to|ti|mi|rli|rlo)?\b",
    r"\bbrisanj\w*",
    r"\bizbri[sš]\w*",
    r"\bobri[sš]\w*",
    r"\b[sș]terge\w*",
    r"\bştergere\w*",
    r"\bșterge\w*",
    r"\blösch\w*",
    r"\busun\w*",
    r"\bverwijder\w*",
    r"\bslet(?:te|ning)\w*",
    r"\bapaga\w*",
    r"\bapagamento\b",
    r"\bapag(?:ue|uem|ar|ado|ados)\b",
    r"\bslet(?:t|tes|ter)?\b",
    r"\bslett\w*",
    r"\bavlägsn\w*",
    r"\bvýmaz\w*",
    r"\bvymaz\w*",
    r"\bsmaz\w*",
    r"\bδιαγρ\w*",
)
DATA_OBJECT = _any(
    r"\btie(?:do|to)\w*",
    r"\bhenkilötie\w*",
    r"\btili\w*",
    r"\basiakkuu\w*",
    r"\basiakastie\w*",
    r"\brekisteri\w*",
    r"\buppgift\w*",
    r"\bpersonuppgift\w*",
    r"\bkonto\w*",
    r"\bregistret\b",
    r"\bdata\b",
    r"\binformation\b",
    r"\baccount\b",
    r"\bdetails\b",
    r"\brecords?\b",
    r"\bdan(?:e|ych|ymi)\b",
    r"\bdaten\b",
    r"\bdonnées\b",
    r"\bdatos\b",
    r"\bdati\b",
    r"\bgegevens\b",
    r"\bandme\w*",
    r"\bpoda(?:t|c)\w*",
    r"\bdatel(?:e|or)\b",
    r"\bdados\b",
    r"\búdaj\w*",
    r"\bδεδομέν\w*",
    r"\b\w*oplysning\w*",
    r"\b\w*opplysning\w*",
)
PERSON_OBJECT = _any(r"\bminut\b", r"\bmig\b", r"\bme\b")
MARKETING = _any(  # compounds too: sähköpostimarkkinointi, e-postmarknadsföring
    r"\b\w*uutiskir\w*",
    r"\b\w*markkinoin\w*",
    r"\b\w*mainos\w*",
    r"\b\w*postituslist\w*",
    r"\b\w*sähköpostilist\w*",
    r"\btiedottei\w*",
    r"\b\w*nyhetsbrev\w*",
    r"\b[\w-]*marknadsför\w*",
    r"\b\w*reklam\w*",
    r"\butskick\w*",
    r"\be-?postlist\w*",
    r"\blistal\w*",
    r"\blistoil\w*",
    r"\butskickslist\w*",
    r"\bnewsletters?\b",
    r"\bmarketing\b",
    r"\bmailing list\b",
    r"\bpromotion\w*",
    r"\b(?:this|your|the|e-?mail) list\b",
    r"\badvertis\w*",
    r"\bpromotional\b",
    r"\bofert(?:a|y|ami|ach|om)\b",
    r"\btarjou(?:ks|s)\w*",
    r"\b\w*mainok\w*",
    r"\bwerbung\w*",
    r"\bpublicit\w*",
    r"\bpublicidad\b",
    r"\bpubblicit\w*",
    r"\breclame\w*",
    r"\bmarketingow\w*",
    r"\bprospection\b",
    r"\bdo not sell\b",
    r"\bsell or share\b",
)
STOP = _any(
    r"\ben halua\b",
    r"\blopet\w*",
    r"\bperu\w*",
    r"\bkiel\w*",
    r"\bkiellä\w*",
    r"\bei enää\b",
    r"\benää\b",
    r"\bpoist\w*",
    r"\bpois\b",
    r"\bvill inte\b",
    r"\bsluta\b",
    r"\bavsluta\w*",
    r"\båterkall\w*",
    r"\binte längre\b",
    r"\bta(?:s)? bort\b",
    r"\bupphör\w*",
    r"\bstop\w*",
    r"\bopt(?:-| )?out\b",
    r"\bwithdraw\w*",
    r"\bno (?:more|longer)\b",
    r"\bdon'?t (?:want|send)\b",
    r"\btake (?:me|us|my \w+) off\b",
    r"\bremov\w*",
    r"\bobject\w*",
    r"\bcancel\w*",
    r"\bälkää (?:\w+ )?lähettäkö\b",
    r"\bälä (?:\w+ )?lähetä\b",
    r"\bnie życzę sobie\b",
    r"\bnie chcę\b",
    r"\bzaprzesta\w*",
    r"\bwypis\w*",
    r"\bkeine \w+ mehr\b",
    r"\bne plus recevoir\b",
    r"\bei soovi\b",
    r"\bønsker ikke\b",
    r"\bnon (?:voglio|desidero) (?:più )?ricevere\b",
    r"\bno (?:deseo|quiero) (?:seguir )?recibir\b",
)
# A general objection (Art. 21(1)): to processing, profiling, a use of the data, in the
# words of each language's model letters ("I object", "Widerspruch", "je m'oppose").
OBJECT_GENERAL = _any(
    r"\bi (?:hereby |also |strongly )?object\b",
    r"\b(?:am|are) (?:hereby )?objecting\b",
    r"\bobject(?:ing)? to (?:the |your |any |all )?(?:\w+ )?(?:processing|use|profiling)\b",
    r"\bmy (?:right to )?object(?:ion)?\b",
    r"\bright to object\b",
    r"\bvastust\w*",
    r"\bkiellän (?:\w+ ){0,3}(?:käyttä|käsittel|profiloi)\w*",
    r"\binvänd\w*",
    r"\bmotsätter mig\b",
    r"\bwiderspr\w*",
    r"\bm'oppos\w*",
    r"\bopposition (?:au|à)\b",
    r"\bme opongo\b",
    r"\boposici[oó]n\b",
    r"\boponerme\b",
    r"\bmi oppongo\b",
    r"\bopposizione\b",
    r"\bbezwaar\b",
    r"\bsprzeciw\w*",
    r"\bvastuväit\w*",
    r"\bindsigelse\b",
    r"\boposição\b",
    r"\boponho\b",
    r"\bprigovor\w*",
    r"\bopozi[țţ]i\w*",
    r"\bmă opun\b",
    r"\bnámitk\w*",
)
# Asking what an erasure would bring, not asking for one.
ERASE_HYPOTHETICAL = _any(
    r"\bresult in (?:the )?(?:deletion|erasure|removal)\b",
    r"\bwhether (?:\w+ ){0,5}(?:deleted|erased|removed|deletion|erasure)\b",
    r"\b(?:would|will) (?:\w+ ){0,3}be (?:deleted|erased|removed)\?",
    r"\b(?:poistetaanko|poistuvatko|poistuuko|hävitetäänkö)\b",
)
# A question about how the company works ("how do you handle marketing bans?"), with no
# word about the writer's own data, asks nothing of the desk.
PRACTICE_QUESTION = _any(
    r"\bmiten\b",
    r"\bkuinka\b",
    r"\bhow (?:do|does|did|are|is|have|has)\b",
    r"\bhur\b",
)
OWN_DATA = _any(
    r"\bminu\w*",
    r"\bminä\b",
    r"\bmun\b",
    r"\b\w*tie(?:do|to)\w*ni\b",
    r"\b\w+(?:ni|äni|ani)\b",
    r"\b(?:my|me|i)\b",
    r"\b(?:mig|mina|mitt|min)\b",
)
OBJECTION_STRONG = _any(
    r"\bsuoramarkkinointikiel\w*",
    r"\bunsubscrib\w*",
    r"\bavregistrer\w*",
    r"\bavprenumerer\w*",
    r"\bopt(?:-| )?out\b",
    r"\bmarkkinointilu\w* \w*\s?peru\w*",
    r"\bperu\w* (?:\w+ )?markkinointilu\w*",
)
# "Do not erase": imperatives only, since "tietojani ei poistettu" complains that an
# erasure did not happen and is an erasure request all the same.
NOT_ERASE = _any(
    r"\bälkää (?:\w+ ){0,2}(?:poistako|pyyhkikö|tuhotko)\b",
    r"\bälä (?:\w+ ){0,2}poista\b",
    r"\ben halua,? (?:että )?(?:\w+ ){0,2}(?:poistet|pyyhit|tuhot)\w*",
    r"\b(?:radera|ta bort|glöm) inte\b",
    r"\binte (?:radera|ta bort)\b",
    r"\b(?:do not|don'?t|please don'?t|no need to) (?:\w+ )?(?:delete|erase|remove|wipe)\b",
)
CONSENT_WITHDRAWN = _any(
    r"\bperu\w* (?:\w+ )?suostumu\w*",
    r"\bsuostumu\w* (?:\w+ )?peru\w*",
    r"\båterkall\w* (?:\w+ )?samtycke\w*",
    r"\bwithdraw\w* (?:\w+ )?consent\b",
)
RECTIFY = _any(
    r"\boikai\w*",
    r"\bkorja\w*",
    r"\bmuuttu\w*",
    r"\bmuuttanut\b",
    r"\bmuuttaneet\b",
    r"\bmuutta\w*",
    r"\bmuutos\w*",
    r"\bmuutet\w*",
    r"\bpäivit\w*",
    r"\bosoitteenmuutos\w*",
    r"\bvaihtu\w*",
    r"\bvaihtanut\b",
    r"\bvaihdoin\b",
    r"\bvirhee\w*",
    r"\bväärin\b",
    r"\buusi (?:osoite|osoitteeni|puhelinnumero\w*|numero\w*|sähköposti\w*|nimi|nimeni|"
    r"sukunimi\w*)\b",
    r"\brätta\w*",
    r"\brättelse\w*",
    r"\bändra\w*",
    r"\bändring\w*",
    r"\buppdater\w*",
    r"\bflytta\w*",
    r"\bfelaktig\w*",
    r"\bny adress\b",
    r"\bnytt (?:telefon)?nummer\b",
    r"\bnytt (?:efter)?namn\b",
    r"\brectif\w*",
    r"\bcorrect(?:ion|ed|ing)?\b(?! me)",
    r"\bupdat\w*",
    r"\bchang\w*",
    r"\bnew (?:address|phone|number|e-?mail|name|surname|last name)\b",
    r"\bmoved\b",
    r"\bwrong\b",
    r"\bincorrect\w*",
    r"\bmisspel\w*",
    r"\bout of date\b",
    r"\b(?:is|are) different now\b",
    r"\bberichtig\w*",
    r"\brettific\w*",
    r"\brectifica\w*",
    r"\bsprostowan\w*",
    r"\bcorrectie\w*",
    r"\bparanda\w*",
)
PERSONAL_FIELD = _any(
    r"\bosoit\w*",
    r"\bpuhelin\w*",
    r"\bnumero\w*",
    r"\bsähköpost\w*",
    r"\bnime\w*",
    r"\bnimi\b",
    r"\bsukunim\w*",
    r"\badress\w*",
    r"\btelefon\w*",
    r"\be-post\w*",
    r"\bnamn\w*",
    r"\befternamn\w*",
    r"\baddress\w*",
    r"\bphone\b",
    r"\bnumber\b",
    r"\be-?mail\b",
    r"\bname\b",
    r"\bsurname\b",
)
# What else changes in a cinema's mail: a show, its time, a booking, a seat, a ticket (and
# a spammer's "placement" in search results).  A change word about one of these, with no
# personal field named, is not a rectification ("näytöksen aika on muuttunut", "kan jag
# ändra min bokning", "change your placement").
NOT_PERSONAL_CHANGE = _any(
    r"\b\w*näytö\w*",
    r"\b\w*näytök\w*",
    r"\b\w*varau\w*",
    r"\b\w*varaa\w*",
    r"\b\w*lippu\w*",
    r"\b\w*lipu\w*",
    r"\b(?:aika|ajan|aikaa|alkamisaika\w*|kellonaika\w*)\b",
    r"\bpaik(?:ka|an|kaa|at|koja)\b",
    r"\b\w*bokning\w*",
    r"\b\w*visning\w*",
    r"\bföreställning\w*",
    r"\b\w*biljett\w*",
    r"\b(?:tid|tiden|plats|platsen)\b",
    r"\b(?:booking|reservation|screening|showing|show ?time|start time|seats?|tickets?)\b",
    r"\b(?:placement|ranking|rankings|position|positions)\b",
)
RESTRICT = _any(
    r"\brajoit\w*",
    r"\bbegräns\w*",
    r"\brestrict\w*",
    # "freeze / lock / block my data": the everyday words for it, with the data as object
    r"\b(?:jäädyt|lukit)\w* (?:\w+ )?(?:henkilö)?tie(?:do|to)\w*",
    r"\b(?:spärra|frys|lås)\w* (?:\w+ )?(?:person)?uppgift\w*",
    r"\b(?:freez|lock|block)\w* (?:\w+ ){0,2}(?:data|information|details)\b",
    r"\blimitation du traitement\b",
    r"\beinschränkung\w*",
    r"\blimitaci[oó]n\b",
    r"\blimitazione\b",
    r"\bbeperking\w*",
    r"\bograniczeni\w*",
    r"\bpiirang\w*",
    r"\blimitaç(?:ão|ões)\b",
    r"\bomezen\w* zpracován\w*",
    r"\bbegrænsning\w*",
    r"\bbegrensning\w*",
    r"\bπεριορισμ\w*",
    r"\bstop using my (?:\w+ )?(?:data|information) while\b",
)
# The article in every EU language's form: article, artikla, Artikel, artículo, articolo,
# artigo, artykuł, článek, άρθρο, artikkel, paragrahv (Estonian letters say "artikkel").
ARTICLE = re.compile(
    r"\b(?:art(?:icle|ikla|iklan|iklassa|ikel|ikeln|ikkel|ículo|iculo|icolo|igo|ykuł|ykul"
    r"|\.)?|článek|článku|άρθρο|άρθρου|članak|članka|članku|člankom|articolul|articolului)"
    r"\s*(\d{1,2})\b"
    r"|\b(\d{1,2})\s*(?:\(\d\)\s*)?(?:\.\s*)?(?:art(?:ikla|iklan|iklassa|iklaan|icle|ikel|\.))",
    re.IGNORECASE,
)
ARTICLE_KINDS = {
    15: "access",
    20: "access",
    16: "rectification",
    17: "erasure",
    18: "restriction",
    21: "objection",
}
# Finnish over lemmas (:mod:`mailbot.lemmas`): one word for all its inflections.  Access
# is a verb of giving or seeing with the data as its object, about the writer: "lähettäkää
# minulle kaikki tietoni", "voisitteko lähettää mulle kaikki tiedot mitä teillä on musta",
# "pyydän kopion henkilötiedoistani".  Not "antaa" ("en ole antanut lupaa tallentaa
# tietojani") nor "ilmoittaa" ("ilmoitan markkinointikiellosta … henkilötietojeni"): there
# the data is the writer's, but the verb gives permission or news, not the data.
FI_ACCESS_VERB = re.compile(
    r"\b(?:lähettää|toimittaa|näyttää|kertoa|selvittää|nähdä|saada|tarkistaa|tarkastaa|tietää)\b"
)
FI_ACCESS_OBJECT = re.compile(r"\b(?:\w*tieto|\w*tiedot|kopio|data|jäljennös|\w*ote)\b")
FI_COPY = re.compile(
    r"\b(?:pyytää|haluta|saada|lähettää|toimittaa|antaa) (?:\w+ ){0,3}(?:kopio|jäljennös)\b"
)
FI_ABOUT_ME = re.compile(
    r"\b(?:minusta|minua|minun|itsestäni|\w*tie(?:do|to)\w*ni|\w*tiedoistani)\b"
    r"|\bhenkilötie\w*|\basiakastie\w*",
    re.IGNORECASE,
)
FI_WHAT = re.compile(r"\b(?:mikä|kopio)\b")
REPLY_PREFIX = re.compile(r"^\s*(?:re|vs|sv|aw|fw|fwd|vl|vb|vs)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
# A line break inside a sentence (mail is wrapped at ~72 characters): the next line goes
# on in lower case after a line that does not end a sentence.
_SOFT_BREAK = re.compile(r"(?<=[^\s.!?:;])[ \t]*\n[ \t]*(?=[a-zåäöüéèàçñ(])")

STRONG = 3.0
CLEAR = 2.5
MEDIUM = 2.0
WEAK = 1.0
SECOND_RIGHT = STRONG + WEAK / 2
"""A second right in one letter needs two signals (or an article): a word in passing
("… and then tell me you have done it") must not open a request of its own."""


@dataclass(frozen=True)
class Classification:
    kind: str
    language: str
    confidence: float
    also_objection: bool = False  # a marketing objection beside another request
    # Other rights the same letter asks for (never "objection": that is also_objection),
    # each scored at least SECOND_RIGHT: one request each, beside the first.
    also_kinds: tuple[str, ...] = ()
    # The language the person wrote in (any EU language); ``language`` is the one we
    # answer in (fi, sv or en: English for everyone else).
    written_language: str = ""
    marketing: bool = False  # the objection is to direct marketing: applied at once
    scores: dict[str, float] = field(default_factory=dict)
    # Why: for each kind that scored, the sentences (or article citations) that scored it.
    evidence: dict[str, list[str]] = field(default_factory=dict)


def classify(
    text: str,
    subject: str = "",
    *,
    form_kind: str | None = None,
    fallback_language: str | None = None,
    answers_marketing: bool = False,
) -> Classification:
    """Classify what the person wrote (``text``: quoted parts already removed);
    ``answers_marketing``: the message replies to a newsletter we sent."""
    text, subject = bounded(text), bounded(subject or "")[:1000]
    own_subject = "" if REPLY_PREFIX.match(subject) else subject
    own_words = f"{own_subject}\n{text}"
    written = detect_written_language(own_words)
    if written:
        language = written if written in LANGUAGES else "en"
    else:
        language = written = detect_language(own_words, fallback=fallback_language)
    finnish = written == "fi"
    if finnish:
        own_subject, text = lemmas.spoken_to_written(own_subject), lemmas.spoken_to_written(text)
    own_words = f"{own_subject}\n{_SOFT_BREAK.sub(' ', text)}"
    sentences = [part for part in _SENTENCES.split(own_words) if part.strip()]
    evidence: dict[str, list[str]] = {}
    scores = _scores(sentences, answers_marketing, evidence, finnish=finnish)
    _article_scores(own_words, scores, evidence)
    consent = scores.pop("consent")
    if (
        consent
        and scores["erasure"] >= CLEAR
        and not _marketing_objection(sentences, answers_marketing)
    ):
        # "I withdraw my consent and ask you to erase my data": the withdrawal is the
        # ground of the erasure (Art. 17(1)(b)), not an objection of its own.
        scores["objection"] = max(0.0, scores["objection"] - consent)
        if not scores["objection"]:
            evidence.pop("objection", None)
    marketing = _marketing_objection(sentences, answers_marketing)
    if form_kind:
        also = form_kind != "objection" and scores["objection"] >= CLEAR and marketing
        return Classification(
            form_kind,
            language,
            0.95,
            also_objection=also,
            written_language=written,
            marketing=form_kind == "objection" or also,
            scores=scores,
            evidence=evidence,
        )
    # A word in passing (half a point: "uutiskirje" named in a question) asks for nothing.
    ranked = sorted(
        ((score, kind) for kind, score in scores.items() if score >= WEAK), reverse=True
    )
    if not ranked:
        return Classification(
            "other",
            language,
            0.3 if text.strip() else 0.1,
            scores=scores,
            written_language=written,
            evidence=evidence,
        )
    best_score, best = ranked[0]
    others = [(score, kind) for score, kind in ranked if kind != "objection"]
    also = False
    if best == "objection" and others and others[0][0] >= MEDIUM and marketing:
        best_score, best = others[0]
        also = True
    elif best != "objection" and scores["objection"] >= CLEAR and marketing:
        also = True
    runner_up = max(
        (score for score, kind in ranked if kind != best and not (also and kind == "objection")),
        default=0.0,
    )
    also_kinds = tuple(
        kind
        for score, kind in ranked
        if score >= SECOND_RIGHT
        and kind != best
        # a general objection (Art. 21(1)) is a request of its own; a marketing one is
        # also_objection, applied at once
        and (kind != "objection" or not (marketing or also))
    )
    if also_kinds:
        runner_up = max(
            (score for score, kind in ranked if kind not in (best, *also_kinds, "objection")),
            default=0.0,
        )
    confidence = min(0.95, best_score / (best_score + runner_up + 1.0) + 0.1)
    return Classification(
        best,
        language,
        round(confidence, 2),
        also_objection=also,
        also_kinds=also_kinds,
        written_language=written,
        marketing=marketing and (best == "objection" or also),
        scores=scores,
        evidence=evidence,
    )


_EVIDENCE_CHARS = 200


def _scores(
    sentences: Iterable[str],
    answers_marketing: bool,
    evidence: dict[str, list[str]],
    *,
    finnish: bool = False,
) -> dict[str, float]:
    scores = dict.fromkeys(
        ("access", "rectification", "erasure", "restriction", "objection", "consent"), 0.0
    )
    for sentence in sentences:
        before = dict(scores)
        _score_sentence(sentence, answers_marketing, scores, finnish=finnish)
        shown = " ".join(sentence.split())[:_EVIDENCE_CHARS]
        for kind, score in scores.items():
            if score > before[kind] and shown not in evidence.setdefault(kind, []):
                evidence[kind].append(shown)
    return scores


def _score_sentence(
    sentence: str, answers_marketing: bool, scores: dict[str, float], *, finnish: bool = False
) -> None:
    if "?" in sentence and PRACTICE_QUESTION.search(sentence) and not OWN_DATA.search(sentence):
        return  # "miten olette järjestäneet suoramarkkinointikiellot?": a question only
    erase = (
        bool(ERASE.search(sentence))
        and not NOT_ERASE.search(sentence)
        and not ERASE_HYPOTHETICAL.search(sentence)
    )
    data_object = bool(DATA_OBJECT.search(sentence))
    marketing = _about_marketing(sentence, answers_marketing)
    stop = bool(STOP.search(sentence))
    if OBJECTION_STRONG.search(sentence) or (marketing and stop) or OBJECT_GENERAL.search(sentence):
        scores["objection"] += STRONG
    elif CONSENT_WITHDRAWN.search(sentence):
        scores["objection"] += CLEAR
        scores["consent"] += CLEAR
    elif marketing:
        scores["objection"] += WEAK / 2
    if erase and data_object:
        scores["erasure"] += CLEAR
    elif erase and not marketing:
        scores["erasure"] += WEAK if not PERSON_OBJECT.search(sentence) else MEDIUM
    access = len(ACCESS.findall(sentence))
    if finnish:
        other_right = erase or bool(RECTIFY.search(sentence) or RESTRICT.search(sentence))
        access += _finnish_access(sentence, other_right)
    scores["access"] += MEDIUM * min(2, access)
    rectify = len(RECTIFY.findall(sentence))
    if rectify and not PERSONAL_FIELD.search(sentence) and NOT_PERSONAL_CHANGE.search(sentence):
        rectify = 0  # "the show time has changed", "change my booking": not personal data
    if rectify:
        scores["rectification"] += (
            MEDIUM if PERSONAL_FIELD.search(sentence) else WEAK
        ) + WEAK / 2 * min(2, rectify - 1)
    if RESTRICT.search(sentence) and not marketing:
        scores["restriction"] += CLEAR


def _finnish_access(sentence: str, other_right: bool) -> int:
    """1 when the Finnish ``sentence`` asks to be given or shown one's data (over lemmas)."""
    lemma_text = lemmas.lemmatized(sentence)
    if FI_COPY.search(lemma_text):
        return 1
    if not (FI_ACCESS_VERB.search(lemma_text) and FI_ACCESS_OBJECT.search(lemma_text)):
        return 0
    if not FI_ABOUT_ME.search(sentence):
        return 0
    # beside another right ("rajoitatte … kunnes osoitteeni on tarkistettu"), only
    # "what" or "a copy" makes it a request to see the data too
    return 0 if other_right and not FI_WHAT.search(lemma_text) else 1


def _article_scores(text: str, scores: dict[str, float], evidence: dict[str, list[str]]) -> None:
    """Article numbers, over the whole text: "Art. 15" must not be cut at its period."""
    for match in ARTICLE.finditer(" ".join(text.split())):
        number = int(match.group(1) or match.group(2))
        if number in ARTICLE_KINDS:
            scores[ARTICLE_KINDS[number]] += STRONG
            evidence.setdefault(ARTICLE_KINDS[number], []).append(match.group(0))


def _about_marketing(sentence: str, answers_marketing: bool) -> bool:
    """Whether ``sentence`` is about our marketing: it names it, or, in a reply to the
    newsletter, it says "stop" without naming any data (the newsletter is what it means)."""
    if MARKETING.search(sentence):
        return True
    return (
        answers_marketing
        and bool(STOP.search(sentence))
        and not DATA_OBJECT.search(sentence)
        and not NOT_ERASE.search(sentence)
    )


def _marketing_objection(sentences: Iterable[str], answers_marketing: bool) -> bool:
    """Whether the objection is to direct marketing (applied at once) rather than general."""
    for sentence in sentences:
        if OBJECTION_STRONG.search(sentence):
            return True
        if _about_marketing(sentence, answers_marketing) and (
            STOP.search(sentence) or CONSENT_WITHDRAWN.search(sentence)
        ):
            return True
    return False


# ---------------------------------------------------------------- language


def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORDS = {
    "fi": _vocabulary("""ja on ei en ole olen minun minua minulla minulle minusta teillä
        teidän että kiitos hei moi terveisin ystävällisin haluan haluaisin pyydän pyytäisin
        tietoni tiedot tietojani tietojeni tietoja myös kanssa mutta enää kaikki nyt uusi
        osoite osoitteeni poistakaa tietojen kiitoksia hyvä päivää voitteko voisitteko olisin
        mitä te se tämä asiakas uutiskirjettä"""),
    "sv": _vocabulary("""och jag att det inte mina min mitt är vill hej tack med för av om på
        till som har ni er era uppgifter vänliga hälsningar kan den de ett mig vänligen mvh
        begär personuppgifter radera nyhetsbrev hälsning"""),
    "en": _vocabulary("""the and i my to of please you your is me data would like have for
        with this that dear regards thanks hello all information personal delete request want
        sincerely faithfully kind an are it be any"""),
}
# Case endings and suffixes that mark a Finnish word (tested on words, never by a pattern
# over the whole text: an unanchored ``\w{3,}…`` is quadratic in the length of a word).
_FINNISH_ENDINGS = (
    "ssa",
    "ssä",
    "sta",
    "stä",
    "lla",
    "llä",
    "lta",
    "ltä",
    "kaa",
    "kää",
    "ni",
    "mme",
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


# The languages of the EU and the Nordic countries that py3langid's model knows: a person
# may write in any of them; we answer fi, sv and en writers in their language.
EU_LANGUAGES = (
    "fi",
    "sv",
    "en",
    "et",
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pl",
    "da",
    "pt",
    "cs",
    "el",
    "hu",
    "ro",
    "sk",
    "sl",
    "lt",
    "lv",
    "bg",
    "hr",
    "ga",
    "mt",
    "no",
)
_IDENTIFIER_CONFIDENCE = 0.6


@cache
def _identifier() -> Any:
    """py3langid restricted to :data:`EU_LANGUAGES`, from a model cut to them and kept in
    the user's cache folder (:mod:`store.user_cache`): loading the whole model (97
    languages) peaks at ~115 MB above what the mailbot holds, to keep a quarter of its
    weights.  The cut model is the same weights with the other languages' columns left
    out, so it classifies alike.  Its tokenizer (a 38 MB table of byte transitions, the
    same for every language) is kept apart, uncompressed, and mapped into memory: only the
    pages a mail's bytes walk through are ever read."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = MODEL_DIR / MODEL_FILE
    kind = "py3langid-" + hashlib.sha256(" ".join(EU_LANGUAGES).encode()).hexdigest()[:12]
    weights = user_cache.copy_of(source, kind, ".npz.xz")
    transitions = user_cache.copy_of(source, _TRANSITIONS, ".bin")
    for attempt in ("kept", "made again"):
        with suppress(OSError, ValueError, EOFError, KeyError, LZMAError, TypeError):
            if attempt == "made again" or not (weights.is_file() and transitions.is_file()):
                cut, table = _cut_model(source, EU_LANGUAGES)
                user_cache.keep(weights, cut, kind)
                user_cache.keep(transitions, table, _TRANSITIONS)
            identifier = _kept_identifier(LanguageIdentifier, weights, transitions)
            if identifier.nb_classes and set(identifier.nb_classes) <= set(EU_LANGUAGES):
                return identifier
    identifier = LanguageIdentifier.from_model_file(source, norm_probs=True)
    identifier.set_languages([code for code in EU_LANGUAGES if code in identifier.nb_classes])
    # set_languages keeps the whole model to be able to widen the set again; we never do.
    identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
    return identifier


_TRANSITIONS = "py3langid-transitions"
# The unsigned integer types a table is stored in: numpy's type character is the one
# ``memoryview.cast`` takes for the same native type.
_TRANSITION_TYPES: dict[str, Literal["H", "I", "L"]] = {"H": "H", "I": "I", "L": "L"}


def _kept_identifier(identifier_class: Any, weights: Path, transitions: Path) -> Any:
    """The identifier from the kept weights and the mapped transition table, as py3langid's
    own loader builds it (``modelio.load_model``), the table a view of the mapped file."""
    import io
    import lzma
    import mmap

    import numpy as np

    with np.load(io.BytesIO(lzma.decompress(weights.read_bytes())), allow_pickle=False) as model:
        arrays = {name: model[name] for name in model.files}
    typecode = _TRANSITION_TYPES[str(arrays["transition_type"])]
    with open(transitions, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    table = memoryview(mapped).cast(typecode)
    rows = arrays["nextmove_row"]
    if len(table) % 256 or int(rows.max()) >= len(table) // 256:
        raise ValueError("the kept transition table does not fit its rows")
    # The tokenizer's per-state rows and outputs as compact arrays, not lists of Python
    # ints: 104,583 states, 11 MB as lists in every process that reads mail, 1.7 MB so.
    identifier = identifier_class(
        np.asarray(arrays["ptc"]),
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        table,
        array("i", arrays["out_feat"].astype(np.int32).tobytes()),
        norm_probs=True,
        tk_row=(),
    )
    identifier.tk_row = array("I", rows.astype(np.uint32).tobytes())
    identifier._rowbase = array("Q", (rows.astype(np.uint64) << 8).tobytes())
    return identifier


def _cut_model(source: Path, languages: Iterable[str]) -> tuple[bytes, bytes]:
    """py3langid's model file (an npz archive in xz) with only ``languages``' columns of
    its weights (``ptc``, ``pc``, ``classes``), and its transition table apart, as raw
    native integers (to be mapped into memory)."""
    import io
    import lzma
    import shutil

    import numpy as np

    with tempfile.TemporaryFile() as unpacked:
        with lzma.open(source) as packed:
            shutil.copyfileobj(packed, unpacked, length=1 << 20)
        unpacked.seek(0)
        with np.load(unpacked, allow_pickle=False) as model:
            arrays = {name: model[name] for name in model.files}
    wanted = set(languages)
    columns = [index for index, code in enumerate(arrays["classes"]) if code in wanted]
    arrays["ptc"] = arrays["ptc"][:, columns]
    arrays["pc"], arrays["classes"] = arrays["pc"][columns], arrays["classes"][columns]
    transitions = np.ascontiguousarray(arrays.pop("nextmove"))
    arrays["transition_type"] = np.array(_TRANSITION_TYPES[transitions.dtype.char])
    written = io.BytesIO()
    np.savez(written, **arrays)
    return lzma.compress(written.getvalue(), preset=1), transitions.tobytes()


def warm_up() -> None:
    """Load the language model and the Finnish dictionary (once a process, cached): the
    ingest calls it before a message's time budget starts."""
    _identifier()
    lemmas.warm_up()


def detect_written_language(text: str) -> str:
    """The language ``text`` is written in (an ISO 639-1 code), or "" when too unsure.

    py3langid (a naive Bayes model over byte n-grams, 97 languages) restricted to the
    EU's: 17 of 17 on the short letters of ``tests/test_classify.py``, 0.14 ms a message.
    """
    sample = bounded(text)[:2000]
    if sum(char.isalpha() for char in sample) < 3:
        return ""
    code, probability = _identifier().classify(sample)
    return str(code) if probability >= _IDENTIFIER_CONFIDENCE else ""


def detect_language(text: str, *, fallback: str | None = None) -> str:
    """``fi``, ``sv`` or ``en``: the language to answer in (Finnish when unsure)."""
    words = [word.casefold() for word in _WORD.findall(bounded(text))]
    counts = {
        language: sum(word in vocabulary for word in words)
        for language, vocabulary in _WORDS.items()
    }
    counts["fi"] += 0.5 * sum(len(word) >= 5 and word.endswith(_FINNISH_ENDINGS) for word in words)
    if "å" in text.casefold():
        counts["sv"] += 2
    best = max(LANGUAGES, key=lambda language: counts[language])
    if counts[best] == 0:
        return fallback if fallback in LANGUAGES else "fi"
    return best
