"""Rendering a page in the request's language, with the site's clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from edge_agent.web.i18n import COOKIE, Words, choose
from edge_agent.web.sources import ScreenSources

TEMPLATES = Path(__file__).with_name("templates")


class Pages:
    """The templates, and what every page is given: the words, the site, the language."""

    def __init__(self, sources: ScreenSources) -> None:
        self.sources = sources
        self.templates = Jinja2Templates(directory=TEMPLATES)

    def words(self, request: Request) -> Words:
        lang = choose(
            request.query_params.get("lang"),
            request.cookies.get(COOKIE),
            request.headers.get("accept-language"),
        )
        return Words(lang, self.sources.zone)

    def render(
        self, request: Request, template: str, status_code: int = 200, /, **context: Any
    ) -> HTMLResponse:
        """``name`` rendered; a page asked for with ``?lang=`` keeps that language (cookie)."""
        t = self.words(request)
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                "t": t,
                "site": self.sources.site,
                "path": request.url.path,
                "csrf": getattr(request.state, "csrf", None),  # set when signed in
                **context,
            },
            status_code=status_code,
        )
        chosen = request.query_params.get("lang")
        if chosen == t.lang:
            response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="lax")
        return response
