"""The lifecycle table, checked pair by pair against an independent statement of the rules."""

import pytest

from dossiers.lifecycle import (
    APPLICANT_KINDS,
    STAFF_ROLES,
    TRANSITIONS,
    Kind,
    NationalStatus,
    Status,
    allowed_kinds,
    national_code,
    next_status,
    replay,
)

K, S = Kind, Status
_NOTES = {K.NOTE_ADDED, K.DOCUMENT_ADDED}
_WORKING_EXTRAS = {K.DEADLINE_EXTENDED, K.ORIGINALS_COMPARED} | _NOTES

# What may happen in each status, written out by hand from the regulation's flow (double
# entry: a change to the table in lifecycle.py must be mirrored here on purpose).
EXPECTED: dict[Status | None, dict[Kind, Status]] = {
    None: {K.CREATED: S.DRAFT},
    S.DRAFT: {
        K.SUBMITTED: S.SUBMITTED,
        K.DISCARDED: S.DISCARDED,
        K.RECEIVED: S.RECEIVED,
        K.NOTE_ADDED: S.DRAFT,
    },
    S.SUBMITTED: {
        K.ACCEPTED: S.RECEIVED,
        K.SUPPLEMENT_REQUESTED: S.INCOMPLETE,
        K.REFUSED: S.REFUSED,
        K.WITHDRAWN: S.WITHDRAWN,
        K.ORIGINALS_COMPARED: S.SUBMITTED,
        **{k: S.SUBMITTED for k in _NOTES},
    },
    S.INCOMPLETE: {
        K.RESUBMITTED: S.SUBMITTED,
        K.REFUSED: S.REFUSED,
        K.WITHDRAWN: S.WITHDRAWN,
        K.ORIGINALS_COMPARED: S.INCOMPLETE,
        **{k: S.INCOMPLETE for k in _NOTES},
    },
    S.RECEIVED: {
        K.ASSIGNED: S.IN_PROGRESS,
        K.FORWARDED: S.IN_PROGRESS,
        K.PAYMENT_REQUESTED: S.AWAITING_PAYMENT,
        K.WITHDRAWN: S.WITHDRAWN,
        **{k: S.RECEIVED for k in _WORKING_EXTRAS},
    },
    S.IN_PROGRESS: {
        K.ASSIGNED: S.IN_PROGRESS,
        K.FORWARDED: S.IN_PROGRESS,
        K.SENT_BACK: S.IN_PROGRESS,
        K.SUPPLEMENT_REQUESTED: S.AWAITING_SUPPLEMENT,
        K.TRANSFERRED: S.AT_OTHER_AGENCY,
        K.PAYMENT_REQUESTED: S.AWAITING_PAYMENT,
        K.RESULT_PROPOSED: S.PENDING_APPROVAL,
        K.STOP_PROPOSED: S.IN_PROGRESS,
        K.STOPPED: S.STOPPED,
        K.WITHDRAWN: S.WITHDRAWN,
        **{k: S.IN_PROGRESS for k in _WORKING_EXTRAS},
    },
    S.AWAITING_SUPPLEMENT: {
        K.SUPPLEMENTED: S.IN_PROGRESS,
        K.STOPPED: S.STOPPED,
        K.WITHDRAWN: S.WITHDRAWN,
        **{k: S.AWAITING_SUPPLEMENT for k in _WORKING_EXTRAS},
    },
    S.AWAITING_PAYMENT: {
        K.PAID: S.IN_PROGRESS,
        K.WITHDRAWN: S.WITHDRAWN,
        **{k: S.AWAITING_PAYMENT for k in _WORKING_EXTRAS},
    },
    S.AT_OTHER_AGENCY: {
        K.TRANSFER_ACCEPTED: S.AT_OTHER_AGENCY,
        K.TRANSFER_REJECTED: S.IN_PROGRESS,
        K.TRANSFER_COMPLETED: S.IN_PROGRESS,
        K.ASSIGNED: S.AT_OTHER_AGENCY,
        **{k: S.AT_OTHER_AGENCY for k in _WORKING_EXTRAS},
    },
    S.PENDING_APPROVAL: {
        K.APPROVED: S.APPROVED,
        K.SENT_BACK: S.IN_PROGRESS,
        K.STOPPED: S.STOPPED,
        K.ASSIGNED: S.PENDING_APPROVAL,
        K.FORWARDED: S.PENDING_APPROVAL,
        **{k: S.PENDING_APPROVAL for k in _WORKING_EXTRAS},
    },
    S.APPROVED: {
        K.SIGNED: S.APPROVED,
        K.RESULT_ISSUED: S.RESULT_READY,
        **{k: S.APPROVED for k in _WORKING_EXTRAS},
    },
    S.RESULT_READY: {
        K.RESULT_RETURNED: S.RETURNED,
        K.RESULT_CANCELLED: S.RESULT_CANCELLED,
        K.ORIGINALS_COMPARED: S.RESULT_READY,
        **{k: S.RESULT_READY for k in _NOTES},
    },
    S.RETURNED: {
        K.RESULT_CANCELLED: S.RESULT_CANCELLED,
        K.CLOSED: S.CLOSED,
        K.ORIGINALS_COMPARED: S.RETURNED,
        **{k: S.RETURNED for k in _NOTES},
    },
    S.RESULT_CANCELLED: {K.CLOSED: S.CLOSED, **{k: S.RESULT_CANCELLED for k in _NOTES}},
    S.REFUSED: {K.CLOSED: S.CLOSED, **{k: S.REFUSED for k in _NOTES}},
    S.WITHDRAWN: {K.CLOSED: S.CLOSED, **{k: S.WITHDRAWN for k in _NOTES}},
    S.STOPPED: {K.CLOSED: S.CLOSED, **{k: S.STOPPED for k in _NOTES}},
    S.DISCARDED: {},
    S.CLOSED: {K.ARCHIVED: S.ARCHIVED},
    S.ARCHIVED: {},
}

PAIRS = [(status, kind) for status in [None, *Status] for kind in Kind]


@pytest.mark.parametrize(("status", "kind"), PAIRS, ids=[f"{s}-{k}" for s, k in PAIRS])
def test_every_status_and_event_pair_follows_the_rules(status: Status | None, kind: Kind) -> None:
    assert next_status(kind, status) == EXPECTED[status].get(kind)


def test_the_table_has_no_pair_the_rules_do_not_name() -> None:
    named = {(k, s) for s, kinds in EXPECTED.items() for k in kinds}
    assert set(TRANSITIONS) == named


def test_refused_dossier_cannot_be_accepted() -> None:
    assert next_status(K.ACCEPTED, S.REFUSED) is None
    assert K.ACCEPTED not in allowed_kinds(S.REFUSED)


def test_every_kind_names_who_may_record_it() -> None:
    assert set(Kind) == set(STAFF_ROLES) | APPLICANT_KINDS


def test_every_status_is_reachable_from_creation() -> None:
    seen: set[Status | None] = {None}
    frontier: list[Status | None] = [None]
    while frontier:
        current = frontier.pop()
        for kind in allowed_kinds(current):
            after = next_status(kind, current)
            if after not in seen:
                seen.add(after)
                frontier.append(after)
    assert seen == {None, *Status}


def test_national_code_follows_the_log() -> None:
    log = [K.CREATED, K.SUBMITTED]
    assert national_code(log) == NationalStatus.NEW
    log += [K.ACCEPTED]
    assert national_code(log) == NationalStatus.RECEIVED
    log += [K.ASSIGNED, K.RESULT_PROPOSED, K.APPROVED]
    assert national_code(log) == NationalStatus.IN_PROGRESS
    log += [K.RESULT_ISSUED]
    assert national_code(log) == NationalStatus.DONE
    log += [K.RESULT_RETURNED, K.CLOSED, K.ARCHIVED]
    assert replay(log) == (S.ARCHIVED, NationalStatus.RETURNED)


def test_closing_a_refused_dossier_keeps_it_not_received() -> None:
    log = [K.CREATED, K.SUBMITTED, K.REFUSED, K.CLOSED]
    assert replay(log) == (S.CLOSED, NationalStatus.NOT_RECEIVED)


def test_supplement_and_payment_codes() -> None:
    assert national_code([K.CREATED, K.SUBMITTED, K.SUPPLEMENT_REQUESTED]) == 5
    assert national_code([K.CREATED, K.RECEIVED, K.PAYMENT_REQUESTED]) == 6
    assert national_code([K.CREATED, K.RECEIVED, K.WITHDRAWN]) == 7
    assert national_code([K.CREATED, K.RECEIVED, K.ASSIGNED, K.STOPPED]) == 8


def test_a_draft_has_no_national_code() -> None:
    assert national_code([K.CREATED]) is None


def test_replaying_an_illegal_log_fails() -> None:
    with pytest.raises(ValueError, match="illegal"):
        replay([K.CREATED, K.ACCEPTED])
