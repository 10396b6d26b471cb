"""The dossier lifecycle as pure data: statuses, event kinds and the legal transitions.

Nothing here touches the database. ``dossiers.events.apply`` is the only code that changes a
dossier's status, and it asks this module whether a transition is legal and who may make it.
The national status code (1–10, synchronised with the national portal) is derived from the
event log by ``national_code``; the internal status carries more detail than the national list.
"""

from collections.abc import Iterable
from enum import IntEnum, StrEnum


class Status(StrEnum):
    DRAFT = "draft"  # being prepared by the applicant (or entered at the counter)
    SUBMITTED = "submitted"  # online dossier waiting for the desk's check (NĐ 45 Art. 11)
    INCOMPLETE = "incomplete"  # the desk asked the applicant to complete it before acceptance
    REFUSED = "refused"  # not accepted (Đ4.3, Đ9.2.d); a reason is required
    RECEIVED = "received"  # accepted: the dossier has its promised date
    IN_PROGRESS = "in_progress"  # being worked through the agency's internal process
    AWAITING_SUPPLEMENT = "awaiting_supplement"  # processing asked for more documents
    AWAITING_PAYMENT = "awaiting_payment"  # financial obligation to fulfil
    AT_OTHER_AGENCY = "at_other_agency"  # inter-agency part (liên thông, Đ12.2)
    PENDING_APPROVAL = "pending_approval"  # an officer proposed a result to the leader
    APPROVED = "approved"  # the leader approved; the result goes to signing
    RESULT_READY = "result_ready"  # signed result issued, not yet returned
    RETURNED = "returned"  # result returned to the applicant
    RESULT_CANCELLED = "result_cancelled"  # the result's validity was cancelled (NĐ 45 Art. 15)
    WITHDRAWN = "withdrawn"  # the applicant withdrew the dossier
    STOPPED = "stopped"  # processing stopped with a reason
    DISCARDED = "discarded"  # a draft thrown away before submission
    CLOSED = "closed"  # filed (Đ16)
    ARCHIVED = "archived"  # handed to the archive (Đ16)


class Kind(StrEnum):
    """Event kinds, spelled as the verbs the log records."""

    CREATED = "created"
    SUBMITTED = "submitted"
    RECEIVED = "received"  # counter intake: the desk receives a paper dossier
    ACCEPTED = "accepted"  # the desk accepts an online dossier
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESUBMITTED = "resubmitted"
    SUPPLEMENTED = "supplemented"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    DISCARDED = "discarded"
    ASSIGNED = "assigned"
    FORWARDED = "forwarded"
    SENT_BACK = "sent_back"
    TRANSFERRED = "transferred"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_REJECTED = "transfer_rejected"
    TRANSFER_COMPLETED = "transfer_completed"
    PAYMENT_REQUESTED = "payment_requested"
    PAID = "paid"
    RESULT_PROPOSED = "result_proposed"
    STOP_PROPOSED = "stop_proposed"
    APPROVED = "approved"
    STOPPED = "stopped"
    SIGNED = "signed"
    RESULT_ISSUED = "result_issued"
    RESULT_RETURNED = "result_returned"
    RESULT_CANCELLED = "result_cancelled"
    DEADLINE_EXTENDED = "deadline_extended"
    ORIGINALS_COMPARED = "originals_compared"
    DOCUMENT_ADDED = "document_added"
    NOTE_ADDED = "note_added"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Role(StrEnum):
    CITIZEN = "citizen"
    RECEPTION = "reception"  # Bộ phận Tiếp nhận và Trả kết quả
    OFFICER = "officer"  # chuyên viên
    LEADER = "leader"  # lãnh đạo
    SUPERVISOR = "supervisor"  # Văn phòng UBND, Sở KH&CN: read-only figures
    ADMIN = "admin"
    SYSTEM = "system"  # background jobs, gateway callbacks, peers


class NationalStatus(IntEnum):
    """Status codes exchanged with the national portal (FACTS §6)."""

    NEW = 1  # Mới đăng ký
    RECEIVED = 2  # Được tiếp nhận
    NOT_RECEIVED = 3  # Không được tiếp nhận
    IN_PROGRESS = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung giấy tờ
    PAYMENT = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    DONE = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả


S = Status
K = Kind

_WORKING = frozenset(
    {
        S.RECEIVED,
        S.IN_PROGRESS,
        S.AWAITING_SUPPLEMENT,
        S.AWAITING_PAYMENT,
        S.AT_OTHER_AGENCY,
        S.PENDING_APPROVAL,
        S.APPROVED,
    }
)
_OPEN = frozenset({S.SUBMITTED, S.INCOMPLETE, *_WORKING, S.RESULT_READY})
_ENDED = frozenset({S.RETURNED, S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RESULT_CANCELLED})

# (kind, from status) -> to status. Events that record work without moving the dossier map a
# status to itself. A pair missing from this table is an illegal transition.
TRANSITIONS: dict[tuple[Kind, Status | None], Status] = {
    (K.CREATED, None): S.DRAFT,
    (K.SUBMITTED, S.DRAFT): S.SUBMITTED,
    (K.DISCARDED, S.DRAFT): S.DISCARDED,
    (K.RECEIVED, S.DRAFT): S.RECEIVED,
    (K.ACCEPTED, S.SUBMITTED): S.RECEIVED,
    (K.SUPPLEMENT_REQUESTED, S.SUBMITTED): S.INCOMPLETE,
    (K.RESUBMITTED, S.INCOMPLETE): S.SUBMITTED,
    (K.REFUSED, S.SUBMITTED): S.REFUSED,
    (K.REFUSED, S.INCOMPLETE): S.REFUSED,
    (K.ASSIGNED, S.RECEIVED): S.IN_PROGRESS,
    (K.ASSIGNED, S.IN_PROGRESS): S.IN_PROGRESS,
    (K.ASSIGNED, S.PENDING_APPROVAL): S.PENDING_APPROVAL,  # a leader hands it to another leader
    (K.ASSIGNED, S.AT_OTHER_AGENCY): S.AT_OTHER_AGENCY,  # the other agency assigns its officer
    (K.FORWARDED, S.RECEIVED): S.IN_PROGRESS,
    (K.FORWARDED, S.IN_PROGRESS): S.IN_PROGRESS,
    (K.FORWARDED, S.PENDING_APPROVAL): S.PENDING_APPROVAL,  # head of unit → head of agency
    (K.SENT_BACK, S.IN_PROGRESS): S.IN_PROGRESS,
    (K.SENT_BACK, S.PENDING_APPROVAL): S.IN_PROGRESS,
    (K.SUPPLEMENT_REQUESTED, S.IN_PROGRESS): S.AWAITING_SUPPLEMENT,
    (K.SUPPLEMENTED, S.AWAITING_SUPPLEMENT): S.IN_PROGRESS,
    (K.TRANSFERRED, S.IN_PROGRESS): S.AT_OTHER_AGENCY,
    (K.TRANSFER_ACCEPTED, S.AT_OTHER_AGENCY): S.AT_OTHER_AGENCY,
    (K.TRANSFER_REJECTED, S.AT_OTHER_AGENCY): S.IN_PROGRESS,
    (K.TRANSFER_COMPLETED, S.AT_OTHER_AGENCY): S.IN_PROGRESS,
    (K.PAYMENT_REQUESTED, S.RECEIVED): S.AWAITING_PAYMENT,
    (K.PAYMENT_REQUESTED, S.IN_PROGRESS): S.AWAITING_PAYMENT,
    (K.PAID, S.AWAITING_PAYMENT): S.IN_PROGRESS,
    (K.RESULT_PROPOSED, S.IN_PROGRESS): S.PENDING_APPROVAL,
    (K.STOP_PROPOSED, S.IN_PROGRESS): S.IN_PROGRESS,
    (K.APPROVED, S.PENDING_APPROVAL): S.APPROVED,
    (K.STOPPED, S.IN_PROGRESS): S.STOPPED,
    (K.STOPPED, S.PENDING_APPROVAL): S.STOPPED,
    (K.STOPPED, S.AWAITING_SUPPLEMENT): S.STOPPED,
    (K.SIGNED, S.APPROVED): S.APPROVED,
    (K.RESULT_ISSUED, S.APPROVED): S.RESULT_READY,
    (K.RESULT_RETURNED, S.RESULT_READY): S.RETURNED,
    (K.RESULT_CANCELLED, S.RESULT_READY): S.RESULT_CANCELLED,
    (K.RESULT_CANCELLED, S.RETURNED): S.RESULT_CANCELLED,
    **{
        (K.WITHDRAWN, s): S.WITHDRAWN
        for s in (
            S.SUBMITTED,
            S.INCOMPLETE,
            S.RECEIVED,
            S.IN_PROGRESS,
            S.AWAITING_SUPPLEMENT,
            S.AWAITING_PAYMENT,
        )
    },
    **{(K.DEADLINE_EXTENDED, s): s for s in _WORKING},
    **{(K.ORIGINALS_COMPARED, s): s for s in _OPEN | {S.RETURNED}},
    **{(K.DOCUMENT_ADDED, s): s for s in _OPEN | _ENDED},
    **{(K.NOTE_ADDED, s): s for s in _OPEN | _ENDED | {S.DRAFT}},
    **{(K.CLOSED, s): S.CLOSED for s in _ENDED},
    (K.ARCHIVED, S.CLOSED): S.ARCHIVED,
}

# Who may record each kind. The applicant's own kinds are checked against ownership, staff
# kinds against a role held in the agency that holds the dossier (see events.authorize).
APPLICANT_KINDS = frozenset(
    {K.CREATED, K.SUBMITTED, K.DISCARDED, K.RESUBMITTED, K.SUPPLEMENTED, K.WITHDRAWN, K.NOTE_ADDED}
)
STAFF_ROLES: dict[Kind, frozenset[Role]] = {
    K.CREATED: frozenset({Role.RECEPTION}),
    K.DISCARDED: frozenset({Role.RECEPTION}),
    K.RECEIVED: frozenset({Role.RECEPTION}),
    K.ACCEPTED: frozenset({Role.RECEPTION}),
    K.REFUSED: frozenset({Role.RECEPTION}),
    K.SUPPLEMENT_REQUESTED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),
    K.SUPPLEMENTED: frozenset({Role.RECEPTION}),
    K.RESUBMITTED: frozenset({Role.RECEPTION}),
    K.WITHDRAWN: frozenset({Role.RECEPTION}),
    K.ASSIGNED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),  # officers: themselves
    K.FORWARDED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),
    K.SENT_BACK: frozenset({Role.OFFICER, Role.LEADER}),
    K.TRANSFERRED: frozenset({Role.OFFICER, Role.LEADER}),
    K.TRANSFER_ACCEPTED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),
    K.TRANSFER_REJECTED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),
    K.TRANSFER_COMPLETED: frozenset({Role.OFFICER, Role.LEADER}),
    K.PAYMENT_REQUESTED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),
    K.PAID: frozenset({Role.RECEPTION, Role.SYSTEM}),
    K.RESULT_PROPOSED: frozenset({Role.OFFICER}),
    K.STOP_PROPOSED: frozenset({Role.OFFICER, Role.LEADER}),
    K.APPROVED: frozenset({Role.LEADER}),
    K.STOPPED: frozenset({Role.LEADER}),
    K.SIGNED: frozenset({Role.LEADER}),
    K.RESULT_ISSUED: frozenset({Role.LEADER, Role.OFFICER, Role.SYSTEM}),
    K.RESULT_RETURNED: frozenset({Role.RECEPTION, Role.SYSTEM}),
    K.RESULT_CANCELLED: frozenset({Role.LEADER}),
    K.DEADLINE_EXTENDED: frozenset({Role.LEADER}),
    K.ORIGINALS_COMPARED: frozenset({Role.RECEPTION}),
    K.DOCUMENT_ADDED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER, Role.SYSTEM}),
    K.NOTE_ADDED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER}),
    K.CLOSED: frozenset({Role.RECEPTION, Role.OFFICER, Role.LEADER, Role.SYSTEM}),
    K.ARCHIVED: frozenset({Role.ADMIN, Role.SYSTEM}),
}

# Kinds that must say why (Đ4.3: a refusal gives its reason; NĐ 45 Art. 15 for cancelling).
REASON_REQUIRED = frozenset(
    {
        K.REFUSED,
        K.SUPPLEMENT_REQUESTED,
        K.SENT_BACK,
        K.STOPPED,
        K.STOP_PROPOSED,
        K.TRANSFER_REJECTED,
        K.RESULT_CANCELLED,
        K.WITHDRAWN,
        K.DEADLINE_EXTENDED,
    }
)

# Kinds the applicant is told about (through the inbox and registered channels, Đ12.1.d).
APPLICANT_NOTIFIED = frozenset(
    {
        K.SUBMITTED,
        K.RECEIVED,
        K.ACCEPTED,
        K.SUPPLEMENT_REQUESTED,
        K.REFUSED,
        K.PAYMENT_REQUESTED,
        K.STOPPED,
        K.RESULT_ISSUED,
        K.RESULT_CANCELLED,
        K.DEADLINE_EXTENDED,
        K.TRANSFERRED,
    }
)


class Audience(StrEnum):
    """Who reads a dossier's timeline."""

    APPLICANT = "applicant"  # the applicant's page, API and inbox
    STAFF = "staff"  # officers, leaders, the desk, supervisors
    PUBLIC = "public"  # the lookup by code without login: milestones, nothing personal


A = Audience
_ALL = frozenset({A.APPLICANT, A.STAFF, A.PUBLIC})
_APPLICANT = frozenset({A.APPLICANT, A.STAFF})
_STAFF = frozenset({A.STAFF})

# (who sees that it happened, who sees its reason or note), for every kind. Hand-offs, notes,
# proposals and transfers between officers and agencies stay inside the administration; the
# applicant sees what concerns them and why (Đ4.3, Đ12.1.d: reasons for a refusal, a supplement
# request, a stop, a cancellation, a new date); the public lookup shows milestones only.
AUDIENCES: dict[Kind, tuple[frozenset[Audience], frozenset[Audience]]] = {
    K.CREATED: (_APPLICANT, _APPLICANT),
    K.SUBMITTED: (_ALL, _APPLICANT),
    K.RECEIVED: (_ALL, _APPLICANT),
    K.ACCEPTED: (_ALL, _APPLICANT),
    K.SUPPLEMENT_REQUESTED: (_ALL, _APPLICANT),
    K.RESUBMITTED: (_ALL, _APPLICANT),
    K.SUPPLEMENTED: (_ALL, _APPLICANT),
    K.REFUSED: (_ALL, _APPLICANT),
    K.WITHDRAWN: (_ALL, _APPLICANT),
    K.DISCARDED: (_APPLICANT, _APPLICANT),
    K.ASSIGNED: (_STAFF, _STAFF),
    K.FORWARDED: (_STAFF, _STAFF),
    K.SENT_BACK: (_STAFF, _STAFF),
    K.TRANSFERRED: (_APPLICANT, _STAFF),  # told it went to another agency, not the working note
    K.TRANSFER_ACCEPTED: (_STAFF, _STAFF),
    K.TRANSFER_REJECTED: (_STAFF, _STAFF),
    K.TRANSFER_COMPLETED: (_STAFF, _STAFF),
    K.PAYMENT_REQUESTED: (_ALL, _APPLICANT),
    K.PAID: (_ALL, _APPLICANT),
    K.RESULT_PROPOSED: (_STAFF, _STAFF),
    K.STOP_PROPOSED: (_STAFF, _STAFF),
    K.APPROVED: (_STAFF, _STAFF),
    K.STOPPED: (_ALL, _APPLICANT),
    K.SIGNED: (_STAFF, _STAFF),
    K.RESULT_ISSUED: (_ALL, _APPLICANT),
    K.RESULT_RETURNED: (_ALL, _APPLICANT),
    K.RESULT_CANCELLED: (_ALL, _APPLICANT),
    K.DEADLINE_EXTENDED: (_ALL, _APPLICANT),
    K.ORIGINALS_COMPARED: (_APPLICANT, _APPLICANT),  # done with the applicant at the desk
    # Issued forms reach the applicant as documents; working papers stay inside.
    K.DOCUMENT_ADDED: (_STAFF, _STAFF),
    K.NOTE_ADDED: (_STAFF, _STAFF),
    K.CLOSED: (_STAFF, _STAFF),
    K.ARCHIVED: (_STAFF, _STAFF),
}


def shown_to(kind: Kind | str, audience: Audience) -> bool:
    """Whether ``audience`` sees that an event of ``kind`` happened."""
    return audience in AUDIENCES[Kind(kind)][0]


def reason_shown_to(kind: Kind | str, audience: Audience) -> bool:
    """Whether ``audience`` sees the event's reason or note."""
    return audience in AUDIENCES[Kind(kind)][1]


_NATIONAL: dict[Status, NationalStatus | None] = {
    S.DRAFT: None,
    S.DISCARDED: None,
    S.SUBMITTED: NationalStatus.NEW,
    S.INCOMPLETE: NationalStatus.SUPPLEMENT,
    S.REFUSED: NationalStatus.NOT_RECEIVED,
    S.RECEIVED: NationalStatus.RECEIVED,
    S.IN_PROGRESS: NationalStatus.IN_PROGRESS,
    S.AT_OTHER_AGENCY: NationalStatus.IN_PROGRESS,
    S.PENDING_APPROVAL: NationalStatus.IN_PROGRESS,
    S.APPROVED: NationalStatus.IN_PROGRESS,
    S.AWAITING_SUPPLEMENT: NationalStatus.SUPPLEMENT,
    S.AWAITING_PAYMENT: NationalStatus.PAYMENT,
    S.WITHDRAWN: NationalStatus.WITHDRAWN,
    S.STOPPED: NationalStatus.STOPPED,
    S.RESULT_READY: NationalStatus.DONE,
    S.RETURNED: NationalStatus.RETURNED,
    S.RESULT_CANCELLED: NationalStatus.RETURNED,
    # Filing does not change what the national portal was told: closed after a refusal is
    # still "not received". These two keep the code of the status before them.
    S.CLOSED: None,
    S.ARCHIVED: None,
}
_KEEPS_NATIONAL = frozenset({S.CLOSED, S.ARCHIVED})


def next_status(kind: Kind, current: Status | None) -> Status | None:
    """The status after ``kind`` happens in ``current``, or None when that is illegal."""
    return TRANSITIONS.get((kind, current))


def allowed_kinds(current: Status | None) -> list[Kind]:
    return [kind for (kind, status) in TRANSITIONS if status == current]


def replay(kinds: Iterable[Kind]) -> tuple[Status | None, NationalStatus | None]:
    """Fold a log of event kinds into (internal status, national status code).

    Raises ValueError on an illegal step: a log that cannot be replayed is corrupt.
    """
    status: Status | None = None
    national: NationalStatus | None = None
    for kind in kinds:
        after = next_status(kind, status)
        if after is None:
            raise ValueError(f"illegal event {kind} in status {status}")
        status = after
        national = national_after(status, national)
    return status, national


def national_code(kinds: Iterable[Kind]) -> NationalStatus | None:
    return replay(kinds)[1]


def national_after(status: Status, before: int | None) -> NationalStatus | None:
    """The national code once ``status`` is reached, given the code before it."""
    if status in _KEEPS_NATIONAL:
        return NationalStatus(before) if before is not None else None
    return _NATIONAL[status]


STATUS_LABELS: dict[Status, tuple[str, str]] = {
    S.DRAFT: ("Đang soạn", "Draft"),
    S.SUBMITTED: ("Mới đăng ký, chờ tiếp nhận", "Submitted, awaiting reception"),
    S.INCOMPLETE: ("Yêu cầu bổ sung trước khi tiếp nhận", "Incomplete, supplement requested"),
    S.REFUSED: ("Không được tiếp nhận", "Refused"),
    S.RECEIVED: ("Đã tiếp nhận", "Received"),
    S.IN_PROGRESS: ("Đang xử lý", "In progress"),
    S.AWAITING_SUPPLEMENT: ("Chờ bổ sung giấy tờ", "Awaiting supplement"),
    S.AWAITING_PAYMENT: ("Chờ thực hiện nghĩa vụ tài chính", "Awaiting payment"),
    S.AT_OTHER_AGENCY: ("Đang xử lý liên thông", "At another agency"),
    S.PENDING_APPROVAL: ("Chờ lãnh đạo phê duyệt", "Awaiting approval"),
    S.APPROVED: ("Đã phê duyệt, chờ ký", "Approved, awaiting signature"),
    S.RESULT_READY: ("Đã có kết quả", "Result ready"),
    S.RETURNED: ("Đã trả kết quả", "Result returned"),
    S.RESULT_CANCELLED: ("Kết quả đã bị hủy hiệu lực", "Result cancelled"),
    S.WITHDRAWN: ("Đã rút hồ sơ", "Withdrawn"),
    S.STOPPED: ("Dừng xử lý", "Stopped"),
    S.DISCARDED: ("Đã hủy bản nháp", "Draft discarded"),
    S.CLOSED: ("Đã đóng hồ sơ", "Closed"),
    S.ARCHIVED: ("Đã nộp lưu trữ", "Archived"),
}

KIND_LABELS: dict[Kind, tuple[str, str]] = {
    K.CREATED: ("Tạo hồ sơ", "Created"),
    K.SUBMITTED: ("Nộp hồ sơ trực tuyến", "Submitted online"),
    K.RECEIVED: ("Tiếp nhận hồ sơ tại quầy", "Received at the counter"),
    K.ACCEPTED: ("Tiếp nhận hồ sơ", "Accepted"),
    K.SUPPLEMENT_REQUESTED: ("Yêu cầu bổ sung, hoàn thiện hồ sơ", "Supplement requested"),
    K.RESUBMITTED: ("Nộp lại hồ sơ đã bổ sung", "Resubmitted"),
    K.SUPPLEMENTED: ("Đã bổ sung hồ sơ", "Supplemented"),
    K.REFUSED: ("Từ chối tiếp nhận", "Refused"),
    K.WITHDRAWN: ("Rút hồ sơ", "Withdrawn"),
    K.DISCARDED: ("Hủy bản nháp", "Draft discarded"),
    K.ASSIGNED: ("Phân công xử lý", "Assigned"),
    K.FORWARDED: ("Chuyển bước xử lý", "Forwarded"),
    K.SENT_BACK: ("Trả lại bước trước", "Sent back"),
    K.TRANSFERRED: ("Chuyển liên thông", "Transferred to another agency"),
    K.TRANSFER_ACCEPTED: ("Nhận hồ sơ liên thông", "Inter-agency transfer accepted"),
    K.TRANSFER_REJECTED: ("Trả lại hồ sơ liên thông", "Inter-agency transfer rejected"),
    K.TRANSFER_COMPLETED: ("Hoàn thành phần liên thông", "Inter-agency part completed"),
    K.PAYMENT_REQUESTED: ("Yêu cầu thực hiện nghĩa vụ tài chính", "Payment requested"),
    K.PAID: ("Đã thanh toán", "Paid"),
    K.RESULT_PROPOSED: ("Trình kết quả", "Result proposed"),
    K.STOP_PROPOSED: ("Đề xuất dừng xử lý", "Stop proposed"),
    K.APPROVED: ("Lãnh đạo phê duyệt", "Approved"),
    K.STOPPED: ("Dừng xử lý", "Stopped"),
    K.SIGNED: ("Ký số kết quả", "Result signed"),
    K.RESULT_ISSUED: ("Ban hành kết quả", "Result issued"),
    K.RESULT_RETURNED: ("Trả kết quả", "Result returned"),
    K.RESULT_CANCELLED: ("Hủy hiệu lực kết quả", "Result cancelled"),
    K.DEADLINE_EXTENDED: ("Xin lỗi và hẹn lại ngày trả kết quả", "Deadline extended"),
    K.ORIGINALS_COMPARED: ("Đối chiếu bản giấy", "Paper originals compared"),
    K.DOCUMENT_ADDED: ("Thêm tài liệu", "Document added"),
    K.NOTE_ADDED: ("Ghi chú", "Note added"),
    K.CLOSED: ("Đóng hồ sơ", "Closed"),
    K.ARCHIVED: ("Nộp lưu trữ", "Archived"),
}
