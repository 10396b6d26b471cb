"""The work after acceptance: officers and leaders move a dossier through its planned steps.

Every hand-off is one event through ``events.apply`` (who, from which unit, to whom, when) and
records the step it closes, that step's due time and whether it was early, on time or late:
the process control sheet (Phiếu kiểm soát) is read from those events. Who may act on a step:
the step's role in the step's unit, or a leader of that unit; once someone is assigned, only
they (or a leader) act on it.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.accounts import RoleGrant, User
from dossiers.actors import Actor
from dossiers.db import utcnow
from dossiers.deadlines import timeliness
from dossiers.errors import Forbidden, InvalidFile, InvalidInput
from dossiers.events import Event, apply, authorize, check_legal
from dossiers.files import FileStore, store_bytes
from dossiers.intake import clean_filename
from dossiers.lifecycle import Kind, Role, Status
from dossiers.plans import DossierStep, current_step, step_at
from dossiers.records import Dossier, DossierFile, FileKind
from dossiers.uploads import MAX_FILE_BYTES, check_upload


def _step(session: Session, dossier: Dossier) -> DossierStep:
    step = current_step(session, dossier)
    if step is None:
        raise InvalidInput(
            "Hồ sơ chưa có quy trình xử lý (chưa được tiếp nhận)",
            "The dossier has no processing plan yet (not received)",
            code="no_plan",
        )
    return step


def require_step_actor(actor: Actor, step: DossierStep) -> None:
    """The step's role in its unit, or a leader there; an assigned step is the assignee's."""
    if actor.is_system or actor.has(Role.LEADER, step.agency_id):
        return
    if not actor.has(Role(step.role), step.agency_id):
        raise Forbidden(
            f"Bước «{step.name}» không thuộc phần việc của bạn",
            f"The step '{step.name}' is not yours to work",
        )
    if step.assignee_id is not None and step.assignee_id != actor.user_id:
        raise Forbidden(
            "Hồ sơ đang được phân công cho người khác", "The dossier is assigned to someone else"
        )


def _handoff(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    kind: Kind,
    to: DossierStep,
    *,
    to_user_id: int | None,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Close the current step, open ``to`` and record the move as one event."""
    check_legal(dossier, kind)
    authorize(session, actor, dossier, kind)
    when = at or utcnow()
    closed = _close(_step(session, dossier), when)
    to.started_at, to.finished_at = when, None
    to.assignee_id = to_user_id
    dossier.current_step = to.position
    return apply(
        session,
        dossier,
        kind,
        actor,
        reason=reason,
        at=when,
        to_agency_id=to.agency_id,
        to_user_id=to_user_id,
        payload={**closed, "to_step": to.position, "to_step_name": to.name, **(payload or {})},
    )


def _close(step: DossierStep, when: datetime) -> dict[str, Any]:
    """Finish a step; what its closing event records (the control sheet reads it)."""
    step.finished_at = when
    return {
        "step": step.position,
        "step_name": step.name,
        "step_due": step.due_at.isoformat(),
        "timeliness": timeliness(when, step.due_at).value,
    }


def _staff(session: Session, user_id: int, agency_id: int, *roles: Role) -> User:
    """A user holding one of ``roles`` in the agency, or InvalidInput."""
    user = session.get(User, user_id)
    grant = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user_id,
            RoleGrant.agency_id == agency_id,
            RoleGrant.role.in_([r.value for r in roles]),
        )
    )
    if user is None or grant is None or not user.is_active:
        raise InvalidInput(
            "Người nhận không thuộc đơn vị xử lý bước này",
            "That person does not work in the unit of this step",
            code="wrong_assignee",
        )
    return user


def staff_of(session: Session, agency_id: int, *roles: Role) -> list[User]:
    """The people who can be handed a step in this unit (for the forms' choices)."""
    return list(
        session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.agency_id == agency_id,
                RoleGrant.role.in_([r.value for r in roles]),
                User.is_active.is_(True),
            )
            .distinct()
            .order_by(User.full_name)
        )
    )


def assign(session: Session, actor: Actor, dossier: Dossier, user_id: int, note: str = "") -> Event:
    """A leader assigns (or reassigns) the current step to someone in its unit; an officer may
    take an unassigned step of their unit for themselves (nhận xử lý)."""
    if dossier.status == Status.AT_OTHER_AGENCY:  # the other agency shares out its part
        return _assign_in(session, actor, dossier, dossier.holder_agency_id, user_id, note)
    step = _step(session, dossier)
    if step.role == Role.RECEPTION:
        raise InvalidInput(
            "Bước tiếp nhận/trả kết quả do Bộ phận Một cửa thực hiện",
            "Reception steps are worked by the desk",
            code="reception_step",
        )
    if not actor.has(Role.LEADER, step.agency_id):
        if user_id != actor.user_id or not actor.has(Role(step.role), step.agency_id):
            raise Forbidden(
                "Chỉ lãnh đạo đơn vị mới phân công cho người khác",
                "Only a leader of the unit assigns to someone else",
            )
        if step.assignee_id not in (None, actor.user_id):
            raise Forbidden(
                "Hồ sơ đang được phân công cho người khác",
                "The dossier is assigned to someone else",
            )
    _staff(session, user_id, step.agency_id, Role(step.role), Role.LEADER)
    step.assignee_id = user_id
    return apply(
        session,
        dossier,
        Kind.ASSIGNED,
        actor,
        to_user_id=user_id,
        reason=note.strip() or None,
        payload={"step": step.position, "step_name": step.name},
    )


def _assign_in(
    session: Session, actor: Actor, dossier: Dossier, unit: int, user_id: int, note: str
) -> Event:
    if not actor.has(Role.LEADER, unit) and not (
        user_id == actor.user_id and actor.has(Role.OFFICER, unit)
    ):
        raise Forbidden(
            "Chỉ lãnh đạo đơn vị mới phân công cho người khác",
            "Only a leader of the unit assigns to someone else",
        )
    _staff(session, user_id, unit, Role.OFFICER, Role.LEADER)
    return apply(
        session,
        dossier,
        Kind.ASSIGNED,
        actor,
        to_user_id=user_id,
        reason=note.strip() or None,
        payload={"unit": unit},
    )


def forward(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    to_user_id: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Event:
    """Hand the dossier to the next step (the desk to the specialist unit, officer to officer,
    one leader to the next). Proposing a result to a leader is ``propose_result``."""
    step = _step(session, dossier)
    require_step_actor(actor, step)
    nxt = _next(session, dossier, step)
    status = Status(dossier.status)
    if nxt.role == Role.LEADER and status != Status.PENDING_APPROVAL:
        raise InvalidInput(
            "Bước sau là bước phê duyệt: hãy trình kết quả cho lãnh đạo",
            "The next step is the leader's: propose a result instead",
            code="propose_instead",
        )
    if nxt.role == Role.RECEPTION and step.position > 1:
        raise InvalidInput(
            "Hồ sơ chỉ chuyển sang trả kết quả sau khi lãnh đạo phê duyệt",
            "A dossier goes to the result desk only once a leader approves",
            code="approve_first",
        )
    if to_user_id is not None:
        _staff(session, to_user_id, nxt.agency_id, Role(nxt.role), Role.LEADER)
    return _handoff(
        session,
        actor,
        dossier,
        Kind.FORWARDED,
        nxt,
        to_user_id=to_user_id,
        reason=note.strip() or None,
        at=at,
    )


def _next(session: Session, dossier: Dossier, step: DossierStep) -> DossierStep:
    nxt = step_at(session, dossier, step.position + 1)
    if nxt is None:
        raise InvalidInput(
            "Đây là bước cuối của quy trình", "This is the last step", code="last_step"
        )
    return nxt


def send_back(
    session: Session, actor: Actor, dossier: Dossier, reason: str, at: datetime | None = None
) -> Event:
    """Return the dossier to the previous step, with the reason, to whoever worked it."""
    step = _step(session, dossier)
    require_step_actor(actor, step)
    previous = step_at(session, dossier, step.position - 1)
    if previous is None:
        raise InvalidInput(
            "Không có bước trước để trả lại", "There is no previous step", code="first_step"
        )
    return _handoff(
        session,
        actor,
        dossier,
        Kind.SENT_BACK,
        previous,
        to_user_id=previous.assignee_id,
        reason=reason,
        at=at,
    )


def propose_result(
    session: Session,
    actor: Actor,
    store: FileStore,
    dossier: Dossier,
    *,
    note: str = "",
    draft: bytes | None = None,
    filename: str = "du-thao.pdf",
    to_user_id: int | None = None,
    at: datetime | None = None,
) -> Event:
    """The officer proposes the result (with the draft when there is one) to the leader."""
    step = _step(session, dossier)
    require_step_actor(actor, step)
    nxt = _next(session, dossier, step)
    if nxt.role != Role.LEADER:
        raise InvalidInput(
            "Bước sau không phải bước phê duyệt của lãnh đạo",
            "The next step is not a leader's approval",
            code="not_leader_step",
        )
    if to_user_id is not None:
        _staff(session, to_user_id, nxt.agency_id, Role.LEADER)
    check_legal(dossier, Kind.RESULT_PROPOSED)
    authorize(session, actor, dossier, Kind.RESULT_PROPOSED)
    payload: dict[str, Any] = {}
    if draft is not None and not draft.startswith(b"%PDF-"):
        # The leader signs this very file (dossiers/result_drafts.py): it must be a PDF.
        raise InvalidFile(
            "Dự thảo kết quả phải là tệp PDF (văn bản sẽ được ký số)",
            "The draft result must be a PDF (it is the file to be signed)",
            code="draft_not_pdf",
        )
    if draft is not None:
        record = add_working_document(
            session,
            actor,
            store,
            dossier,
            data=draft,
            filename=filename,
            purpose="draft_result",
            at=at,
        )
        payload["draft_file_id"] = record.id
    return _handoff(
        session,
        actor,
        dossier,
        Kind.RESULT_PROPOSED,
        nxt,
        to_user_id=to_user_id,
        reason=note.strip() or None,
        payload=payload,
        at=at,
    )


def approve(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    note: str = "",
    to_user_id: int | None = None,
    at: datetime | None = None,
) -> Event:
    """A leader approves. When a higher leader's step follows, the dossier goes up to them;
    otherwise it is approved: the result goes to signing and then to the result desk."""
    step = _step(session, dossier)
    if Status(dossier.status) != Status.PENDING_APPROVAL:
        check_legal(dossier, Kind.APPROVED)
    if not actor.is_system and not actor.has(Role.LEADER, step.agency_id):
        raise Forbidden(
            "Chỉ lãnh đạo đơn vị đang giữ hồ sơ mới phê duyệt",
            "Only a leader of the unit holding the dossier approves",
        )
    require_step_actor(actor, step)
    nxt = step_at(session, dossier, step.position + 1)
    if nxt is not None and nxt.role == Role.LEADER:
        if to_user_id is not None:
            _staff(session, to_user_id, nxt.agency_id, Role.LEADER)
        return _handoff(
            session,
            actor,
            dossier,
            Kind.FORWARDED,
            nxt,
            to_user_id=to_user_id,
            reason=note.strip() or None,
            at=at,
        )
    if nxt is None:  # no result desk step: the approving unit keeps it
        check_legal(dossier, Kind.APPROVED)
        authorize(session, actor, dossier, Kind.APPROVED)
        when = at or utcnow()
        return apply(
            session,
            dossier,
            Kind.APPROVED,
            actor,
            reason=note.strip() or None,
            at=when,
            payload=_close(step, when),
        )
    return _handoff(
        session,
        actor,
        dossier,
        Kind.APPROVED,
        nxt,
        to_user_id=None,
        reason=note.strip() or None,
        at=at,
    )


def propose_stop(
    session: Session, actor: Actor, dossier: Dossier, reason: str, at: datetime | None = None
) -> Event:
    """Propose to stop processing (status 8 once a leader agrees), with the reason."""
    step = _step(session, dossier)
    require_step_actor(actor, step)
    event = apply(
        session,
        dossier,
        Kind.STOP_PROPOSED,
        actor,
        reason=reason,
        at=at,
        payload={"step": step.position},
    )
    dossier.stop_proposed_at = event.at
    return event


def stop(
    session: Session, actor: Actor, dossier: Dossier, reason: str, at: datetime | None = None
) -> Event:
    """A leader stops processing (national status 8); the applicant is told why."""
    step = current_step(session, dossier)
    if step is not None and not actor.has(Role.LEADER, step.agency_id) and not actor.is_system:
        raise Forbidden(
            "Chỉ lãnh đạo đơn vị đang giữ hồ sơ mới dừng xử lý",
            "Only a leader of the unit holding the dossier stops it",
        )
    event = apply(session, dossier, Kind.STOPPED, actor, reason=reason, at=at)
    if step is not None:
        step.finished_at = event.at
    dossier.stop_proposed_at = None
    return event


def decline_stop(session: Session, actor: Actor, dossier: Dossier, note: str) -> Event:
    """A leader declines the stop proposal: processing goes on."""
    step = _step(session, dossier)
    if dossier.stop_proposed_at is None:
        raise InvalidInput(
            "Không có đề xuất dừng xử lý", "There is no stop proposal", code="no_proposal"
        )
    if not actor.has(Role.LEADER, step.agency_id):
        raise Forbidden(
            "Chỉ lãnh đạo đơn vị mới quyết định đề xuất dừng",
            "Only a leader of the unit decides on a stop proposal",
        )
    dossier.stop_proposed_at = None
    return apply(
        session,
        dossier,
        Kind.NOTE_ADDED,
        actor,
        payload={
            "note": note.strip() or "Không đồng ý dừng xử lý; tiếp tục giải quyết",
            "stop_proposal": "declined",
        },
    )


def add_note(
    session: Session, actor: Actor, dossier: Dossier, text: str, at: datetime | None = None
) -> Event:
    """An opinion or working note, kept in the dossier's history (Đ12.1.e)."""
    text = text.strip()
    if not text:
        raise InvalidInput("Nội dung ghi chú trống", "The note is empty", code="empty_note")
    if len(text) > 4000:
        raise InvalidInput(
            "Ghi chú quá dài (tối đa 4000 ký tự)", "The note is too long (4000 characters at most)"
        )
    return apply(session, dossier, Kind.NOTE_ADDED, actor, payload={"note": text}, at=at)


def add_working_document(
    session: Session,
    actor: Actor,
    store: FileStore,
    dossier: Dossier,
    *,
    data: bytes,
    filename: str,
    purpose: str = "working",
    at: datetime | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> DossierFile:
    """A working document or opinion stored in the dossier (Đ12.1.đ–e) and listed in its
    history. Checked by content before anything is written."""
    checked = check_upload(data, filename, max_bytes)
    check_legal(dossier, Kind.DOCUMENT_ADDED)
    authorize(session, actor, dossier, Kind.DOCUMENT_ADDED)
    when = at or utcnow()
    blob = store_bytes(session, store, data)
    record = DossierFile(
        dossier=dossier,
        component_id=None,
        sha256=blob.sha256,
        size=blob.size,
        filename=clean_filename(filename, checked.extension),
        content_type=checked.content_type,
        kind=FileKind.WORKING,
        uploaded_by_id=actor.user_id,
        uploaded_at=when,
        details={"purpose": purpose},
    )
    session.add(record)
    session.flush()
    apply(
        session,
        dossier,
        Kind.DOCUMENT_ADDED,
        actor,
        at=when,
        payload={"file_id": record.id, "title": record.filename, "purpose": purpose},
    )
    return record


def available_actions(session: Session, actor: Actor, dossier: Dossier) -> set[str]:
    """What the actor may do on the dossier now: the pages show these, the domain still checks."""
    acts: set[str] = set()
    status = Status(dossier.status)
    if status == Status.AT_OTHER_AGENCY:
        if actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER) & {dossier.holder_agency_id}:
            acts |= {"transfer_accept", "transfer_reject", "transfer_complete", "note", "document"}
            if actor.has(Role.LEADER, dossier.holder_agency_id):
                acts.add("assign")
            elif dossier.assignee_id is None:
                acts.add("take")
        return acts
    step = current_step(session, dossier)
    if step is None:
        return acts
    try:
        require_step_actor(actor, step)
        on_step = True
    except Forbidden:
        on_step = False
    leader = actor.has(Role.LEADER, step.agency_id)
    nxt = step_at(session, dossier, step.position + 1)
    if (
        status in (Status.RECEIVED, Status.IN_PROGRESS)
        and step.role == Role.RECEPTION
        and step.position == 1
        and on_step
    ):  # still at the desk (e.g. back from paying)
        acts.add("forward")
    if status == Status.IN_PROGRESS and step.role != Role.RECEPTION:
        if leader:
            acts.add("assign")
        elif step.assignee_id is None and actor.has(Role(step.role), step.agency_id):
            acts.add("take")
        if on_step:
            acts |= {"send_back", "supplement", "transfer", "propose_stop", "document"}
            if nxt is not None and nxt.role == Role.LEADER:
                acts.add("propose")
            elif nxt is not None and nxt.role != Role.RECEPTION:
                acts.add("forward")
        if leader and dossier.stop_proposed_at is not None:
            acts |= {"stop", "decline_stop"}
    if status == Status.PENDING_APPROVAL and leader and on_step:
        acts |= {"approve", "send_back", "assign", "stop"}
    if status == Status.RESULT_READY and actor.agencies(Role.RECEPTION) & {
        dossier.receiving_agency_id,
        dossier.holder_agency_id,
    }:
        acts.add("return_result")
    if actor.agencies(Role.RECEPTION, Role.OFFICER, Role.LEADER) & {
        dossier.holder_agency_id,
        dossier.competent_agency_id,
    }:
        acts.add("note")
    return acts


def return_result(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    note: str = "",
    at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> Event:
    """The result desk hands the issued result to the applicant (the last step closes)."""
    check_legal(dossier, Kind.RESULT_RETURNED)
    authorize(session, actor, dossier, Kind.RESULT_RETURNED)
    when = at or utcnow()
    payload: dict[str, Any] = dict(details or {})
    step = current_step(session, dossier)
    if step is not None and step.finished_at is None:
        payload |= _close(step, when)
    return apply(
        session,
        dossier,
        Kind.RESULT_RETURNED,
        actor,
        reason=note.strip() or None,
        payload=payload,
        at=when,
    )
