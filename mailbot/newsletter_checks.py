"""Pre-send check: a newsletter mail leaves only if its reader may receive marketing now.

Consent is checked when the issue is queued and again here, in the sender's transaction,
just before the mail is handed to SMTP: a restriction of processing (Art. 18), a withdrawal
(the "stop" link, a mail, staff), an objection that put the address on the suppression
list or an erasure that arrives while a large issue is going out stops that person's mail,
which is recorded as ``skipped`` with the reason (:data:`store.consent.MARKETING_REFUSALS`;
a restricted reader's is always ``processing restricted (Art. 18)``).  So does an address
changed since the mail was queued: the issue is not sent to an address no longer on record.
Mail about the person's own requests, the restriction's own notices and breach notices (a
legal duty that protects the person) are not marketing and are not checked here.
"""

from __future__ import annotations

from mailbot.sender import pre_send_check
from store.consent import marketing_standing
from store.models import OutboxMail
from store.newsletters import TEMPLATE

ADDRESS_CHANGED = "address changed since queued"
NO_CUSTOMER = "no customer"


@pre_send_check(TEMPLATE)
def marketing_still_allowed(mail: OutboxMail) -> str | None:
    standing = (
        marketing_standing(mail.customer_id, mail.to_address)
        if mail.customer_id is not None
        else None
    )
    if standing is None:
        return NO_CUSTOMER
    if standing.refusal:
        return standing.refusal
    return ADDRESS_CHANGED if standing.email != mail.to_address else None
