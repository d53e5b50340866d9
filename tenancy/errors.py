"""The one error family services raise; ``tenancy.exceptions`` renders it as JSON."""

from http import HTTPStatus


class ApplicationError(Exception):
    """A refusal a service wants the caller to see (rendered as a 4xx)."""

    status_code = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, errors: dict | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if status_code is not None:
            self.status_code = status_code


class ConflictError(ApplicationError):
    """The request is valid but the object's state forbids it (e.g. an illegal transition)."""

    status_code = HTTPStatus.CONFLICT
