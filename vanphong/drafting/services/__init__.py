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
    "review_approve",
    "review_return",
    "template_upload",
]
