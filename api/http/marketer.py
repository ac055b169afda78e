"""``/marketer``: the marketer's web page (rules, previews, benefits, campaigns).

One static page, its script and its styles, shipped with the package: nothing is fetched from
elsewhere, so it works offline. Loading the page needs no key; the page asks for a marketer's
API key, keeps it for the browser tab (sessionStorage) and sends it on every call to ``/v1``.
The page is not part of the OpenAPI document: it is a client of the API, not an operation.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

PAGE = Path(__file__).parent / "static" / "marketer"
# The browser may load and call this server only; the script is a file, never inline.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)

blp = Blueprint("marketer", __name__, static_folder=PAGE, static_url_path="/marketer/assets")


@blp.get("/marketer")
def page() -> Response:
    """The marketer's page (it asks for the API key itself)."""
    return send_from_directory(PAGE, "index.html", max_age=0)


@blp.after_request
def _protect(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
