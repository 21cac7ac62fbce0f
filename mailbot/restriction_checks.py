"""Pre-send checks: no marketing reaches a customer whose processing is restricted (Art. 18).

A restriction can begin between the moment a newsletter is queued and the moment its mail
is handed to SMTP; the sender asks these checks for every mail of a marketing template and
skips the mail (status ``skipped``, reason in ``last_error``) of a restricted customer.
Mail about the person's own requests, the restriction's own notices and breach notices
(a legal duty that protects the person) still go out.
"""

from __future__ import annotations

from mailbot.sender import pre_send_check
from store.consent import is_restricted
from store.models import Customer, OutboxMail

MARKETING_TEMPLATES = ("newsletter",)
"""Templates that are marketing: the newsletter of ``rekisteri newsletter``."""

SKIP_REASON = "processing restricted (Art. 18)"


def restricted_recipient(mail: OutboxMail) -> str | None:
    if mail.customer_id is None:
        return None
    customer = Customer.get_or_none(Customer.id == mail.customer_id)
    return SKIP_REASON if customer is not None and is_restricted(customer) else None


for _template in MARKETING_TEMPLATES:
    pre_send_check(_template)(restricted_recipient)
