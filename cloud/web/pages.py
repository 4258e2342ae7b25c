"""What every page shares: who is looking, in which language and zone, and how a page is
rendered (Jinja2, autoescaped, with a strict Content-Security-Policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from cloud.api.deps import StateDep
from cloud.auth.principal import Principal
from cloud.state import CloudState
from cloud.web import session
from cloud.web.i18n import LANGUAGE_NAMES, Speaker, choose_language

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)

# Scripts and styles only from this origin; nothing may frame the pages.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in person looking at a page (with their permissions at its site, if any)."""

    request: Request
    response: Response
    state: CloudState
    principal: Principal
    speaker: Speaker
    site: str | None = None
    nav: list[tuple[str, str]] = field(default_factory=list)

    def may(self, permission: str) -> bool:
        return self.principal.may(permission)


def language_of(request: Request) -> str:
    return choose_language(
        request.cookies.get(session.LANGUAGE), request.headers.get("accept-language")
    )


async def viewer(request: Request, response: Response, state: StateDep) -> Viewer:
    """The signed-in person, speaking their language in UTC (a site page sets its zone)."""
    principal = await session.signed_in_person(request, response, state)
    speaker = Speaker(language_of(request), ZoneInfo("UTC"))
    return Viewer(request, response, state, principal, speaker)


ViewerDep = Annotated[Viewer, Depends(viewer)]


def render(
    seen: Viewer | Request, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template`` for ``seen`` (a viewer, or a bare request before sign-in)."""
    if isinstance(seen, Viewer):
        request, speaker, base = seen.request, seen.speaker, seen.response
        context.setdefault("viewer", seen)
    else:
        request, speaker, base = seen, Speaker(language_of(seen), ZoneInfo("UTC")), None
    csrf = session.csrf_token(request)
    html = _ENV.get_template(template).render(
        t=speaker.t, fmt=speaker, lang=speaker.language, languages=LANGUAGE_NAMES,
        csrf=csrf, path=request.url.path, query=request.url.query, **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status)
    if base is not None:
        response.headers.raw.extend(
            (k, v) for k, v in base.headers.raw if k.lower() == b"set-cookie"
        )
    if request.cookies.get(session.CSRF) != csrf:
        session.set_cookie(request, response, session.CSRF, csrf, 86_400 * 30)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = speaker.language
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response
