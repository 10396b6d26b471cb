"""The scopes an integration client may hold (pure data: the CLI reads them without the
database layer)."""

SUBMIT_ON_BEHALF = "dossiers:submit-on-behalf"
READ = "dossiers:read"
READ_AGENCY = "dossiers:read-agency"
DESK = "desk:*"
WEBHOOKS = "webhooks"
SCOPES: dict[str, tuple[str, str]] = {
    SUBMIT_ON_BEHALF: ("Nộp hồ sơ thay mặt người nộp", "Submit dossiers on an applicant's behalf"),
    READ: ("Xem hồ sơ do ứng dụng đã nộp", "Read the dossiers the client submitted"),
    READ_AGENCY: ("Xem hồ sơ của cơ quan của ứng dụng", "Read the dossiers of the client's agency"),
    DESK: (
        "Thao tác của bộ phận tiếp nhận tại cơ quan của ứng dụng",
        "Reception desk actions at the client's agency",
    ),
    WEBHOOKS: ("Đăng ký nhận sự kiện (webhook)", "Subscribe to events (webhooks)"),
}
