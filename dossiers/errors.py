"""One small hierarchy of domain errors, each with a stable code and a Vietnamese message.

Entry points map them to a flash message, a JSON ``{code, message}`` with a 4xx status, or a
CLI exit code; bad input never becomes a 500.
"""


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, message_en: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        if code:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en}


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    """Someone else changed the same thing first (two clerks accepting at once)."""

    code = "conflict"
    status = 409


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429


class InvalidFile(DomainError):
    code = "invalid_file"
    status = 422


class IntegrityFailure(DomainError):
    """Stored bytes no longer match the hash recorded when they were received."""

    code = "integrity_failure"
    status = 500
