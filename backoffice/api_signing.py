"""Signing, cancelling and verifying through the JSON API: the same domain functions."""

from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dossiers import events
from dossiers.errors import InvalidFile, TooManyAttempts
from dossiers.pdf.preview import page_count
from dossiers.records import get_dossier
from dossiers.result_drafts import Candidate
from dossiers.results import cancel_result, issue_result, result_candidate
from motcua import limits
from motcua.api import require_user
from motcua.database import get_session
from motcua.keyring import signing
from motcua.verify_upload import VERIFICATIONS, check_file, read_limited

bp = Blueprint(
    "signing_api",
    __name__,
    url_prefix="/api/v1",
    description="Signed results and verification / Ký số và kiểm tra văn bản",
)
SECURITY = [{"bearerAuth": []}]


class ResultSignSchema(Schema):
    sha256 = fields.String(
        load_default=None,
        validate=validate.Length(equal=64),
        metadata={
            "description": "SHA-256 of the candidate the leader previewed "
            "(GET …/result/candidate); required unless a pdf part is sent"
        },
    )
    # Read from the files part (documented here: one multipart body carries both).
    pdf = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary"})


class VerifyFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class CancelReasonSchema(Schema):
    # Checked by the domain (after the dossier is found): a stranger gets 404, not a 422.
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


def _candidate(dossier_id: int) -> Candidate:
    actor, session = require_user(), get_session()
    dossier = get_dossier(session, dossier_id)
    events.require_view(session, actor, dossier)
    return result_candidate(session, signing(), dossier, actor)


@bp.route("/dossiers/<int:dossier_id>/result/candidate")
class ResultCandidate(MethodView):
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def get(self, dossier_id: int) -> dict[str, Any]:
        """What the leader would sign now: the officer's draft or the filled template"""
        found = _candidate(dossier_id)
        return {
            "source": found.source,
            "sha256": found.sha256,
            "filename": found.filename,
            "number": found.number,
            "pages": page_count(found.pdf),
            "draft_file_id": found.draft_file_id,
            "pdf": url_for("signing_api.ResultCandidatePdf", dossier_id=dossier_id),
        }


@bp.route("/dossiers/<int:dossier_id>/result/candidate.pdf")
class ResultCandidatePdf(MethodView):
    @bp.doc(
        security=SECURITY,
        responses={
            "200": {
                "description": "The candidate's exact bytes",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    def get(self, dossier_id: int) -> Response:
        """The exact bytes the signatures will be placed on"""
        found = _candidate(dossier_id)
        response = Response(found.pdf, mimetype="application/pdf")
        response.headers["X-Content-SHA256"] = found.sha256
        return response


@bp.route("/dossiers/<int:dossier_id>/result")
class Result(MethodView):
    @bp.arguments(ResultSignSchema, location="form", content_type="multipart/form-data")
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, seen: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Sign and issue the result of an approved dossier (leader): the previewed candidate
        (``sha256``, 409 when it changed since), or the ``pdf`` part sent"""
        actor, session = require_user(), get_session()
        dossier = get_dossier(session, dossier_id)
        events.require_view(session, actor, dossier)
        upload = request.files.get("pdf")
        record = issue_result(
            session,
            signing(),
            dossier,
            actor,
            seen_sha256=seen.get("sha256"),
            pdf=upload.read() if upload else None,
        )
        session.commit()
        return {
            "file_id": record.id,
            "sha256": record.sha256,
            "status": dossier.status,
            "number": record.details.get("number"),
            "verify_code": record.details.get("verify_code"),
        }


@bp.route("/dossiers/<int:dossier_id>/result/cancel")
class CancelResult(MethodView):
    @bp.arguments(CancelReasonSchema)
    @bp.response(200)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Cancel the validity of an issued result, with a reason (NĐ 45 Art. 15)"""
        actor, session = require_user(), get_session()
        dossier = get_dossier(session, dossier_id)
        events.require_view(session, actor, dossier)
        issued = cancel_result(session, dossier, actor, data["reason"])
        session.commit()
        return {
            "sha256": issued.sha256,
            "status": dossier.status,
            "cancelled_at": issued.cancelled_at.isoformat() if issued.cancelled_at else None,
        }


@bp.route("/verify")
class Verify(MethodView):
    @bp.arguments(VerifyFileSchema, location="files")
    @bp.response(200)
    @bp.doc(security=[])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Verify a signed PDF (multipart ``file``): the same verdict as ``motcua verify``"""
        if limits.over_limit("verify", VERIFICATIONS):
            raise TooManyAttempts(
                "Bạn đã kiểm tra quá nhiều lần; vui lòng thử lại sau",
                "Too many verifications; try again later",
            )
        del data  # read through the size limit below
        body, filename, error = read_limited()
        if body is None:
            assert error is not None
            raise InvalidFile(error.message, error.message_en, code="upload")
        report, problem = check_file(body, filename)
        if report is None:
            assert problem is not None
            raise InvalidFile(problem.message, problem.message_en, code="cannot_verify")
        return report.as_json()
