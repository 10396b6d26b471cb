"""The demo province: agencies, procedures, calendar overrides, users and a few dossiers.

Loading is idempotent: run it on every ``make run``; what exists is left as it is. The data
files beside this module say where their facts come from and how far to trust them.
"""

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from dossiers.accounts import AccountKind, User, create_user
from dossiers.actors import Actor
from dossiers.agencies import Agency, AgencyKind, get_by_code, upsert_agency
from dossiers.apologies import sweep as prepare_apologies
from dossiers.calendar import DEMO_OVERRIDES_2026
from dossiers.calendar_store import CalendarOverride, set_override
from dossiers.catalogue import import_catalogue
from dossiers.db import utcnow
from dossiers.files import FileStore
from dossiers.intake import (
    Applicant,
    attach_file,
    create_draft,
    mark_component,
    receive_at_counter,
    submit_dossier,
)
from dossiers.lifecycle import Role
from dossiers.procedures import Requirement
from dossiers.processing import forward, propose_result
from dossiers.records import Channel, ComponentState, Dossier
from dossiers.transfers import transfer

HERE = Path(__file__).parent
SYSTEM = Actor.system("demo")


def sample_pdf() -> bytes:
    """A one-page A4 PDF to show an attached file in the demo."""
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    document.docinfo["/Title"] = "Tờ khai (mẫu minh họa)"
    out = io.BytesIO()
    document.save(out, deterministic_id=True)
    return out.getvalue()


def _yaml(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def load_agencies(session: Session) -> list[Agency]:
    loaded = []
    for entry in _yaml("agencies.yaml")["agencies"]:
        details = {
            k: entry.get(k)
            for k in ("short_name", "address", "phone", "email", "gso_code")
            if entry.get(k)
        }
        loaded.append(
            upsert_agency(
                session,
                code=str(entry["code"]),
                name=entry["name"],
                kind=AgencyKind(entry["kind"]),
                valid_from=entry.get("valid_from") or date(2025, 7, 1),
                parent_code=entry.get("parent"),
                **details,
            )
        )
    return loaded


def load_users(session: Session) -> list[dict[str, Any]]:
    users = []
    for entry in _yaml("users.yaml")["users"]:
        role = Role(entry["role"])
        agency = get_by_code(session, entry["agency"]) if entry.get("agency") else None
        if session.scalar(select(User.id).where(User.login == entry["login"])) is None:
            kind = AccountKind.PERSON if role == Role.CITIZEN else AccountKind.STAFF
            user = create_user(
                session,
                login=entry["login"],
                full_name=entry["full_name"],
                password=entry["password"],
                kind=kind,
                grants=[(role, agency.id if agency else None)]
                + [(role, get_by_code(session, code).id) for code in entry.get("also", [])],
                email=entry.get("email"),
                phone=entry.get("phone"),
                id_number=entry.get("id_number"),
                title=entry.get("title"),
            )
            user.confirmed_at = utcnow()  # demo accounts skip the confirmation code
        users.append(
            {
                "login": entry["login"],
                "password": entry["password"],
                "role": role.value,
                "agency": agency.code if agency else None,
                "full_name": entry["full_name"],
            }
        )
    return users


def load_calendar_overrides(session: Session) -> None:
    for override in DEMO_OVERRIDES_2026:
        if session.get(CalendarOverride, override.day) is None:
            set_override(session, SYSTEM, override.day, override.working, override.reason)


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    assert user is not None, login
    return user


def _fill(session: Session, actor: Actor, store: FileStore, dossier: Dossier) -> None:
    """Online: a file for every required component. Counter: the form scanned, the rest paper."""
    for i, component in enumerate(
        c for c in dossier.components if c.requirement == Requirement.REQUIRED
    ):
        if dossier.channel == Channel.ONLINE or i == 0:
            attach_file(
                session,
                actor,
                store,
                dossier,
                component.id,
                filename=f"tep-{i + 1}.pdf",
                content_type="application/pdf",
                data=sample_pdf(),
            )
        else:
            mark_component(session, actor, dossier, component.id, ComponentState.PAPER)


def load_dossiers(session: Session, store: FileStore) -> None:
    if session.scalar(select(Dossier.id).limit(1)) is not None:
        return
    for plan in _yaml("users.yaml").get("dossiers", []):
        user = _user(session, plan["by"])
        actor = user.actor()
        applicant = Applicant(**plan["applicant"])
        channel = Channel.COUNTER if actor.is_staff else Channel.ONLINE
        dossier = create_draft(
            session,
            actor,
            plan["procedure"],
            applicant,
            channel=channel,
            agency_code=plan.get("agency"),
        )
        _fill(session, actor, store, dossier)
        if plan["action"] == "submit":
            submit_dossier(session, actor, dossier)
        elif plan["action"] == "receive":
            received = utcnow() - timedelta(days=plan.get("received_days_ago", 0))
            receive_at_counter(session, actor, dossier, at=received)
            _process(session, actor, store, dossier, plan, received)
    prepare_apologies(session)  # the overdue one waits for its leader


def _process(
    session: Session,
    clerk: Actor,
    store: FileStore,
    dossier: Dossier,
    plan: dict[str, Any],
    received: datetime,
) -> None:
    """Move a received demo dossier along: to an officer, to the leader, to another agency."""
    if not plan.get("forward_to"):
        return
    when = received + timedelta(hours=1)
    forward(session, clerk, dossier, _user(session, plan["forward_to"]).id, at=when)
    officer = _user(session, plan["forward_to"]).actor()
    if plan.get("propose"):
        propose_result(
            session,
            officer,
            store,
            dossier,
            note="Hồ sơ đủ điều kiện, đề nghị lãnh đạo phê duyệt",
            draft=sample_pdf(),
            at=when + timedelta(hours=2),
        )
    if plan.get("transfer_to"):
        transfer(
            session,
            officer,
            dossier,
            get_by_code(session, plan["transfer_to"]).id,
            note="Đề nghị cho ý kiến về phần liên quan",
            days=3,
            at=when + timedelta(hours=1),
        )


def load_demo(session: Session, config: Any) -> dict[str, Any]:
    agencies = load_agencies(session)
    report = import_catalogue(session, SYSTEM, _yaml("catalogue.yaml"))
    load_calendar_overrides(session)
    users = load_users(session)
    load_dossiers(session, FileStore(config["MOTCUA_STORAGE"]))
    session.flush()
    from dossiers.signing.demo import create_demo_pki  # the demo PKI (issue 7)

    trust_root = create_demo_pki(
        session,
        FileStore(config["MOTCUA_STORAGE"]),
        config["MOTCUA_PKI_DIR"],
        config["MOTCUA_KEY_PASSPHRASE"],
    )
    return {
        "trust_root": str(trust_root),
        "agencies": [{"code": a.code, "name": a.name} for a in agencies],
        "users": users,
        "procedures": len(report.created) + len(report.new_versions) + len(report.unchanged),
    }
