"""Signing, cancelling and verifying through the JSON API: the same domain functions."""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dossiers import events
from dossiers.errors import InvalidFile, TooManyAttempts
from dossiers.records import get_dossier
from dossiers.results import cancel_result, issue_result
from motcua import limits
from motcua.api import require_user
from motcua.database import get_session
from motcua.keyring import signing
from portal.verify import VERIFICATIONS, check_file, read_limited

bp = Blueprint("signing_api", __name__, url_prefix="/api/v1",
               description="Signed results and verification / Ký số và kiểm tra văn bản")
SECURITY = [{"bearerAuth": []}]


class ResultPdfSchema(Schema):
    pdf = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary"})


class VerifyFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class CancelReasonSchema(Schema):
    # Checked by the domain (after the dossier is found): a stranger gets 404, not a 422.
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


@bp.route("/dossiers/<int:dossier_id>/result")
class Result(MethodView):
    @bp.arguments(ResultPdfSchema, location="files")
    @bp.response(201)
    @bp.doc(security=SECURITY)
    def post(self, data: dict[str, Any], dossier_id: int) -> dict[str, Any]:
        """Sign and issue the result of an approved dossier (leader); optional ``pdf`` part"""
        actor, session = require_user(), get_session()
        dossier = get_dossier(session, dossier_id)
        events.require_view(session, actor, dossier)
        upload = data.get("pdf")
        record = issue_result(session, signing(), dossier, actor,
                              pdf=upload.read() if upload else None)
        session.commit()
        return {"file_id": record.id, "sha256": record.sha256, "status": dossier.status,
                "number": record.details.get("number"),
                "verify_code": record.details.get("verify_code")}


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
        return {"sha256": issued.sha256, "status": dossier.status,
                "cancelled_at": issued.cancelled_at.isoformat() if issued.cancelled_at
                else None}


@bp.route("/verify")
class Verify(MethodView):
    @bp.arguments(VerifyFileSchema, location="files")
    @bp.response(200)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Verify a signed PDF (multipart ``file``): the same verdict as ``motcua verify``"""
        if limits.over_limit("verify", VERIFICATIONS):
            raise TooManyAttempts("Bạn đã kiểm tra quá nhiều lần; vui lòng thử lại sau",
                                  "Too many verifications; try again later")
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
