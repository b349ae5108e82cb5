"""Every write on outgoing documents. Views, API, commands and the bench call these."""

from vanphong.drafting.services.drafts import (
    DraftData,
    RecipientLine,
    draft_create,
    draft_submit,
    draft_upload_version,
    review_approve,
    review_return,
    template_upload,
)
from vanphong.drafting.services.issuance import (
    outgoing_dispatch,
    outgoing_issue,
    outgoing_mark_sent_paper,
    outgoing_recall,
)
from vanphong.drafting.services.signatures import (
    outgoing_seal,
    outgoing_sign,
    outgoing_sign_complete,
    outgoing_sign_upload,
    signature_requirement,
)

__all__ = [
    "DraftData",
    "RecipientLine",
    "draft_create",
    "draft_submit",
    "draft_upload_version",
    "outgoing_dispatch",
    "outgoing_issue",
    "outgoing_mark_sent_paper",
    "outgoing_recall",
    "outgoing_seal",
    "outgoing_sign",
    "outgoing_sign_complete",
    "outgoing_sign_upload",
    "review_approve",
    "review_return",
    "signature_requirement",
    "template_upload",
]
