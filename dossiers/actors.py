"""Who is acting: passed explicitly to every use case, never read from a request."""

from dataclasses import dataclass, field

from dossiers.errors import Forbidden, Unauthenticated
from dossiers.lifecycle import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    login: str
    full_name: str = ""
    # (role, agency id); agency id None for roles that are not tied to an agency (citizen).
    grants: frozenset[tuple[Role, int | None]] = field(default_factory=frozenset)
    # An integration client acting (dossiers/clients): its id and the scopes of its token.
    client_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(
            user_id=None, login=name, full_name="Hệ thống", grants=frozenset({(Role.SYSTEM, None)})
        )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, _ in self.grants)

    @property
    def is_system(self) -> bool:
        return Role.SYSTEM in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(self.roles - {Role.CITIZEN})

    def agencies(self, *roles: Role) -> frozenset[int]:
        """Agencies where the actor holds any of ``roles`` (any role when none given)."""
        return frozenset(
            agency
            for role, agency in self.grants
            if agency is not None and (not roles or role in roles)
        )

    def has(self, role: Role, agency_id: int | None = None) -> bool:
        if agency_id is None:
            return role in self.roles
        return (role, agency_id) in self.grants

    def require_scope(self, scope: str) -> None:
        """A client may do only what its token's scopes allow (``desk:*`` covers ``desk:…``)."""
        family = scope.split(":", 1)[0] + ":*"
        if self.client_id is None and self.user_id is None and not self.is_system:
            raise Unauthenticated(
                "Cần token của ứng dụng tích hợp", "An integration client's token is required"
            )
        if self.client_id is None or not ({scope, family} & self.scopes):
            raise Forbidden(
                f"Ứng dụng tích hợp cần phạm vi «{scope}»",
                f"The integration client needs the '{scope}' scope",
                code="insufficient_scope",
            )

    def require(self, role: Role, agency_id: int | None = None) -> None:
        if not (self.has(role, agency_id) or self.is_system):
            raise Forbidden(
                "Bạn không có quyền thực hiện thao tác này", "You are not allowed to do this"
            )
