"""Who reads what in a dossier's timeline: every event kind for every audience."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from dossiers.lifecycle import (
    APPLICANT_NOTIFIED,
    AUDIENCES,
    KIND_LABELS,
    Audience,
    Kind,
    reason_shown_to,
    shown_to,
)
from motcua.presenters import timeline

K = Kind
# An independent copy of the rule (lifecycle.AUDIENCES is the one the code reads).
INTERNAL = {
    K.ASSIGNED,
    K.FORWARDED,
    K.SENT_BACK,
    K.TRANSFER_ACCEPTED,
    K.TRANSFER_REJECTED,
    K.TRANSFER_COMPLETED,
    K.RESULT_PROPOSED,
    K.STOP_PROPOSED,
    K.APPROVED,
    K.SIGNED,
    K.DOCUMENT_ADDED,
    K.NOTE_ADDED,
    K.CLOSED,
    K.ARCHIVED,
}
APPLICANT_ONLY = {K.CREATED, K.DISCARDED, K.ORIGINALS_COMPARED, K.TRANSFERRED}
REASON_HIDDEN_FROM_APPLICANT = {K.TRANSFERRED}  # the working note between agencies


def _event(kind: Kind) -> SimpleNamespace:
    return SimpleNamespace(
        seq=1,
        kind=kind.value,
        label=KIND_LABELS[kind][0],
        at=datetime(2026, 2, 13, 2, tzinfo=UTC),
        actor_name="Nguyễn Văn A",
        from_status=None,
        to_status="in_progress",
        reason=f"lý do {kind.value}",
        payload={"note": f"ghi chú {kind.value}", "components": {"1": f"thiếu {kind.value}"}},
    )


def test_every_kind_has_an_audience() -> None:
    assert set(AUDIENCES) == set(Kind)


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("kind", list(Kind))
def test_each_audience_sees_only_its_part_of_each_kind(kind: Kind, audience: Audience) -> None:
    expected = (
        audience == Audience.STAFF
        or (audience == Audience.APPLICANT and kind not in INTERNAL)
        or (audience == Audience.PUBLIC and kind not in INTERNAL | APPLICANT_ONLY)
    )
    expected_reason = (
        expected
        and audience != Audience.PUBLIC
        and not (audience == Audience.APPLICANT and kind in REASON_HIDDEN_FROM_APPLICANT)
    )
    assert shown_to(kind, audience) == expected
    assert reason_shown_to(kind, audience) == expected_reason
    shown = timeline([_event(kind)], audience)
    assert len(shown) == int(expected)
    text = str(shown)
    assert (f"lý do {kind.value}" in text) == expected_reason
    assert (f"thiếu {kind.value}" in text) == expected_reason
    assert (f"ghi chú {kind.value}" in text) == (audience == Audience.STAFF)
    if audience == Audience.PUBLIC:
        assert "Nguyễn Văn A" not in text  # no names in the public lookup


def test_the_applicant_is_told_only_what_they_may_see() -> None:
    assert all(shown_to(k, Audience.APPLICANT) for k in APPLICANT_NOTIFIED)
