"""Domain errors raised by services; views and the API turn them into messages and status codes."""


class DomainError(Exception):
    """A refused business operation. ``message`` is shown to the user as it is (Chinese)."""

    status_code = 400

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field_errors = field_errors or {}

    @classmethod
    def for_field(cls, field: str, message: str) -> "DomainError":
        """An error about one input field, shown next to that field."""
        return cls(message, field_errors={field: [message]})


class TransitionRefused(DomainError):
    """A stage or status move that the rules do not allow, or that lacks what it needs."""


class PermissionRefused(DomainError):
    """The user may see the object but may not make this change."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist or is outside the user's scope (its existence is not revealed).

    Raised by selectors; pages answer 404 (``crm.http.NotFoundMiddleware``), the API a JSON 404.
    """

    status_code = 404


class ConflictError(DomainError):
    """Somebody else changed the object since the user loaded it."""

    status_code = 409


class DuplicateError(DomainError):
    """The record would duplicate an existing one (same credit code)."""


class DuplicateWarning(DomainError):
    """A likely duplicate that the user may confirm and save anyway (same normalised name)."""

    def __init__(self, message: str, *, matches: list[str]) -> None:
        super().__init__(message)
        self.matches = matches
