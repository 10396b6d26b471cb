"""Where each member of staff starts: the page of their main role, and the administrators' home
with links to every set-up page (agencies, integration clients, processes, calendar, peers)."""

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_login import login_required

from dossiers.lifecycle import Role
from motcua.auth import current_actor

bp = Blueprint("admin_home", __name__, url_prefix="/backoffice/admin")

# (endpoint, Vietnamese label, English hint); a link shows only when its page is installed.
ADMIN_LINKS = [
    ("agencies_admin.index", "Cơ quan", "nhập danh sách, sáp nhập, kế thừa"),
    ("users_admin.index", "Người dùng và vai trò", "tạo tài khoản cán bộ, cấp vai trò"),
    ("procedures_admin.index", "Nhập thủ tục hành chính", "tải tệp danh mục, xem trước"),
    ("work.processes", "Quy trình nội bộ", "các bước xử lý của từng thủ tục"),
    ("backoffice.calendar", "Lịch làm việc", "ngày nghỉ, ngày làm bù"),
    ("exchange.index", "Liên thông với hệ thống khác", "các điểm kết nối, nhật ký"),
    ("clients.index", "Ứng dụng tích hợp", "OAuth 2, webhook"),
]


def links(endpoints: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    rules = current_app.url_map._rules_by_endpoint  # noqa: SLF001 - read-only lookup
    return [(url_for(e), label, hint) for e, label, hint in endpoints if e in rules]


@bp.get("/")
@login_required
def home() -> str:
    if not current_actor().has(Role.ADMIN):
        abort(403)
    return render_template("backoffice/admin_home.html", links=links(ADMIN_LINKS))
