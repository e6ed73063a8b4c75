"""Which addresses carry a secret, read from the URL patterns themselves, and how to write them without it.

A link that works without logging in (an invitation, a guest's confirm and cancel links, a calendar feed,
an alert answer, message settings, allauth's email and password keys) carries its secret in a path part
named `token` or `key`. Naming it so is all a new link needs: log records lose it (`logsafety`) and its
pages stay out of caches (`middleware`).
"""

import functools
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, ResolverMatch

SECRET_KWARGS = frozenset({"token", "key"})
REDACTED = "[redacted]"

# A path, alone or after a scheme and host, up to its query string: the request line, "Not Found: <path>",
# a Referer, gunicorn's atoms.
_PATH_IN_TEXT = re.compile(r"""(?P<origin>[a-z][a-z0-9+.-]*://[^/\s"'<>]+)?(?P<path>/[^\s"'<>?#]*)""", re.IGNORECASE)
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")
# A path percent-encoded inside a query string, as allauth writes `?next=%2Fen%2Finvite%2F<token>%2F`.
_ENCODED_PATH = re.compile(r"%2F[^\s&\"'<>#]*", re.IGNORECASE)


def carries_secret(match: ResolverMatch | None) -> bool:
    return match is not None and not SECRET_KWARGS.isdisjoint(match.kwargs)


@dataclass(frozen=True)
class _SecretRoute:
    full: re.Pattern  # the whole path after its first "/"
    secrets: tuple[str, ...]
    prefix: re.Pattern  # the path up to the first secret


@dataclass(frozen=True)
class _Routes:
    secret: tuple[_SecretRoute, ...]
    plain: tuple[re.Pattern, ...]
    any_prefix: re.Pattern


def _language_prefix() -> str:
    codes = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
    return f"(?:(?:{codes})/)?"


def _sources(patterns, prefix: str = ""):
    """Yield the regex source of every full path, from the root of the URLconf."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if isinstance(pattern.pattern, LocalePrefixPattern):
                part = _language_prefix()
            else:
                part = pattern.pattern.regex.pattern.removeprefix("^")
            yield from _sources(pattern.url_patterns, prefix + part)
        elif isinstance(pattern, URLPattern):
            source = pattern.pattern.regex.pattern.removeprefix("^")
            if source.endswith(r"\Z"):
                source = source[:-2]
            elif source.endswith("$") and not source.endswith(r"\$"):
                source = source[:-1]
            yield prefix + source


@functools.cache
def _routes(urlconf: str) -> _Routes:
    secret, plain = [], []
    for source in _sources(get_resolver(urlconf).url_patterns):
        names = [name for name in _NAMED_GROUP.findall(source) if name in SECRET_KWARGS]
        if not names:
            plain.append(re.compile(source))
            continue
        first = source.index(f"(?P<{names[0]}>")
        secret.append(_SecretRoute(re.compile(source), tuple(names), re.compile(source[:first])))
    prefixes = "|".join(_NAMED_GROUP.sub("(?:", route.prefix.pattern) for route in secret)
    return _Routes(tuple(secret), tuple(plain), re.compile(f"(?:{prefixes})" if secret else r"(?!)"))


def _redact_path(path: str, routes: _Routes) -> str:
    body = path[1:]
    if not routes.any_prefix.match(body):
        return path
    for route in routes.secret:
        if match := route.full.fullmatch(body):
            for name in reversed(route.secrets):
                start, end = match.span(name)
                body = body[:start] + REDACTED + body[end:]
            return "/" + body
    if any(regex.fullmatch(body) for regex in routes.plain):
        return path
    # A mistyped or truncated link (a missing slash, an extra part) still carries its secret: drop all
    # that follows the part of the path before it.
    for route in routes.secret:
        if (match := route.prefix.match(body)) and match.end() < len(body):
            return "/" + body[: match.end()] + REDACTED
    return path


def redact(text: str) -> str:
    """Replace the secret in every link path found in `text`."""
    if "/" not in text:
        return text
    routes = _routes(settings.ROOT_URLCONF)

    def replace(found: re.Match) -> str:
        return (found.group("origin") or "") + _redact_path(found.group("path"), routes)

    def replace_encoded(found: re.Match) -> str:
        path = unquote(found.group(0))
        cleaned = _redact_path(path, routes)
        return found.group(0) if cleaned == path else quote(cleaned, safe="[]")

    return _PATH_IN_TEXT.sub(replace, _ENCODED_PATH.sub(replace_encoded, text))
