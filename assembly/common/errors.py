from django.core.exceptions import ValidationError


def error_text(error: ValidationError) -> str:
    """A service's refusal as one sentence or more, for a flash message."""
    return " ".join(error.messages)
