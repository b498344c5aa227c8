"""The one error the domain raises: a rule was broken by the caller's input."""

from __future__ import annotations


class RuleError(ValueError):
    """A rule of the domain refused the input.

    `code` is stable and machine-readable (it becomes the API's `error` field); `message` is a
    readable English sentence for API clients. `field` names the input at fault, when there is one.
    """

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
