"""GS1 Digital Link URIs read into one frozen value (GS1 Digital Link standard 1.4).

Pure: no I/O. The structure (scheme, domain, a path stem, the primary key, its qualifiers in
order, data attributes and other parameters in the query) is read here; each AI's value is
then checked by ``domain.gs1`` (format, dates, check digits), so a bad label fails with the
same words wherever it is read. Every refusal is a ``DigitalLinkError`` that names what is
wrong.

``strict=False`` is how the resolver reads: a key qualifier in the query string
(``/01/{gtin}?10={lot}``, printed by some label software although the standard puts it in the
path) is taken as if it were in the path, in its place. ``strict=True`` refuses it, as the
standard and GS1's own syntax engine do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, unquote_plus

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from cloud.digital_link.keys import (
    PRIMARY_KEYS,
    QUALIFIER_PATHS,
    ZERO_SUPPRESSED_GTIN_LENGTHS,
    qualifiers_in_order,
)
from domain.errors import DomainError
from domain.gs1 import Gs1Error, parse_element_string

# RFC 3986's characters (unreserved, reserved and '%'): anything else is not a URI.
_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_SCHEME = re.compile(r"^(https?|HTTPS?)://([^/?#]*)(.*)$", re.DOTALL)
_DOMAIN = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(:[0-9]{1,5})?$")
_AI = re.compile(r"^[0-9]{2,4}$")


class DigitalLinkError(DomainError):
    """A URI that is not a GS1 Digital Link; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A Digital Link's GS1 content: the key, its qualifiers and data attributes, in order.

    ``elements`` is every (AI, value) pair: key, qualifiers, then data attributes, values
    percent-decoded and checked. ``parameters`` holds the non-AI query parameters
    (``linkType``, ``context``...) with their decoded values.
    """

    key_ai: str
    key: str
    qualifiers: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    stem: str = ""

    @property
    def elements(self) -> tuple[tuple[str, str], ...]:
        return ((self.key_ai, self.key), *self.qualifiers, *self.attributes)

    def value(self, ai: str) -> str | None:
        """The value of ``ai`` anywhere in the link, or None."""
        return next((v for a, v in self.elements if a == ai), None)

    @property
    def gtin(self) -> str | None:
        return self.key if self.key_ai == "01" else None

    @property
    def lot(self) -> str | None:
        return self.value("10")

    @property
    def serial(self) -> str | None:
        return self.value("21")


def parse_digital_link(uri: str, *, strict: bool = True) -> DigitalLink:
    """The GS1 content of ``uri``; ``DigitalLinkError`` naming the part that is wrong."""
    if not uri:
        raise DigitalLinkError("empty URI")
    bad = sorted({c for c in uri if c not in _URI_CHARACTERS})
    if bad:
        raise DigitalLinkError(f"characters not allowed in a URI: {''.join(bad)!r}")
    match = _SCHEME.match(uri)
    if match is None:
        raise DigitalLinkError("a Digital Link starts with http:// or https://")
    domain, rest = match.group(2), match.group(3)
    if not _DOMAIN.match(domain):
        raise DigitalLinkError(f"domain {domain!r} is not a host name or address")
    return parse_path_and_query(rest.partition("#")[0], strict=strict)


def parse_path_and_query(target: str, *, strict: bool = True) -> DigitalLink:
    """The GS1 content of a request target (``/01/…/10/…?17=…``), as a resolver sees it."""
    path, _, query = target.partition("?")
    key_at, segments = _key_position(path)
    key_ai = segments[key_at]
    pairs = [(segments[i], _decoded(segments[i], segments[i + 1])) for i in
             range(key_at + 2, len(segments), 2)]  # fmt: skip
    key = _key_value(key_ai, _decoded(key_ai, segments[key_at + 1]))
    qualifiers = [ai for ai, _ in pairs]
    if not qualifiers_in_order(key_ai, qualifiers):
        raise DigitalLinkError(
            f"/{'/'.join(qualifiers)} cannot qualify key ({key_ai}) in this order; "
            f"allowed: {_allowed(key_ai)}"
        )
    attributes, parameters = _query(query)
    pairs, attributes = _qualifiers_from_query(key_ai, pairs, attributes, strict=strict)
    link = DigitalLink(key_ai, key, tuple(pairs), tuple(attributes), parameters,
                       "/".join(segments[:key_at]))  # fmt: skip
    _check_values(link)
    return link


def _key_position(path: str) -> tuple[int, list[str]]:
    """Where the primary key sits: the rightmost key AI whose following segments pair up."""
    if not path.startswith("/"):
        raise DigitalLinkError("no path: a Digital Link names a GS1 key in its path")
    segments = path[1:].split("/")
    if "" in segments:
        raise DigitalLinkError(f"empty path segment in {path!r} (a path may not end in '/')")
    for at in range(len(segments) - 2, -1, -2):
        ai = segments[at]
        if ai in PRIMARY_KEYS:
            return at, segments
        if not _AI.match(ai):
            break
    raise DigitalLinkError(f"no GS1 primary key in path {path!r} (expected /01/{{gtin}}...)")


def _decoded(ai: str, raw: str) -> str:
    value = unquote(raw, errors="strict")  # '+' is a plus in a path
    if not value or "\x00" in value:
        raise DigitalLinkError(f"AI ({ai}): empty value or a NUL in {raw!r}")
    return value


def _key_value(ai: str, value: str) -> str:
    if ai == "01" and value.isdigit() and len(value) in ZERO_SUPPRESSED_GTIN_LENGTHS:
        return value.zfill(14)
    return value


def _query(query: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    attributes: list[tuple[str, str]] = []
    parameters: dict[str, str] = {}
    for part in query.split("&"):
        name, equals, raw = part.partition("=")
        if not equals:
            continue  # an empty part or a singleton flag: no value to read
        value = unquote_plus(raw, errors="strict")  # '+' is a space in a query
        if name.isdigit():
            if not _known_ai(name):
                raise DigitalLinkError(f"query parameter {name!r} is numeric but no GS1 AI")
            if not value or "\x00" in value:
                raise DigitalLinkError(f"AI ({name}): empty value or a NUL in the query")
            attributes.append((name, _key_value(name, value)))
        else:
            parameters[name] = value
    return attributes, parameters


def _qualifiers_from_query(
    key_ai: str,
    pairs: list[tuple[str, str]],
    attributes: list[tuple[str, str]],
    *,
    strict: bool,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Refuse (strict) or move into the path (lenient) a qualifier given in the query."""
    in_path = [ai for ai, _ in pairs]
    fitting = [
        path for path in QUALIFIER_PATHS.get(key_ai, ())
        if all(ai in path for ai in in_path)
    ]  # fmt: skip
    misplaced = [(ai, v) for ai, v in attributes if any(ai in path for path in fitting)]
    if not misplaced:
        return pairs, attributes
    if strict:
        names = ", ".join(f"({ai})" for ai, _ in misplaced)
        raise DigitalLinkError(f"key qualifier {names} belongs in the path, not the query")
    merged = pairs + [(ai, v) for ai, v in misplaced if ai not in in_path]
    order = next(path for path in fitting if all(ai in path for ai, _ in merged))
    merged.sort(key=lambda pair: order.index(pair[0]))
    rest = [(ai, v) for ai, v in attributes if (ai, v) not in misplaced]
    return merged, rest


def _check_values(link: DigitalLink) -> None:
    seen: set[str] = set()
    for ai, _ in link.elements:
        if ai in seen:
            raise DigitalLinkError(f"AI ({ai}) appears twice")
        seen.add(ai)
    if link.key_ai in seen - {link.key_ai}:
        raise DigitalLinkError(f"AI ({link.key_ai}) appears twice")
    for ai, value in link.elements:
        try:
            code = parse_element_string(ai + value)
        except Gs1Error as exc:
            if exc.ai == ai:
                raise DigitalLinkError(str(exc)) from exc
            raise DigitalLinkError(f"GS1 AI ({ai}): {value!r} is not a valid value") from exc
        if code.elements != ((ai, value),):
            raise DigitalLinkError(f"GS1 AI ({ai}): {value!r} is not a valid value")


def _known_ai(ai: str) -> bool:
    try:
        return GS1ApplicationIdentifier.extract(ai).ai == ai
    except ParseError:
        return False


def _allowed(key_ai: str) -> str:
    paths = QUALIFIER_PATHS.get(key_ai, ())
    return " or ".join("/".join(path) for path in paths) if paths else "none"
