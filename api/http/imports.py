"""``/v1/imports/{kind}``: upload a CSV or Parquet file, checked and stored like ``loyalty import``.

Uploads may be far larger than other request bodies, so this blueprint alone raises the size
limit to ``IMPORT_MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from api.http.auth import ADMIN, requires
from api.http.database import get_engine
from api.http.schemas import ImportResult, ImportUpload
from loyalty.errors import InvalidInputError
from loyalty.files import read_table
from loyalty.formats import ROW_SCHEMAS
from loyalty.ingest import KINDS, import_rows
from loyalty.validation import validate_frame

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/v1/imports",
    description="Files of members, products or transactions, all or nothing.",
)


@blp.before_request
def _allow_large_uploads() -> None:
    request.max_content_length = current_app.config["IMPORT_MAX_CONTENT_LENGTH"]


@blp.route(f"/<any({', '.join(KINDS)}):kind>")
class Import(MethodView):
    """One import."""

    @requires(blp, *ADMIN)
    @blp.arguments(ImportUpload, location="files")
    @blp.response(200, ImportResult)
    def post(self, upload: dict, kind: str):
        """Import a file; on any problem nothing is written and each is named by line and column.

        Importing the same file again changes nothing.
        """
        return import_upload(kind, upload["file"])


def import_upload(kind: str, upload: FileStorage):
    """Validate and store an uploaded file under its own name (not the temporary one)."""
    name = secure_filename(upload.filename or "") or f"{kind}.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        upload.save(path)
        try:
            raw, first_line = read_table(path)
        except InvalidInputError as error:
            raise InvalidInputError(name, error.problems, error.total) from None
        rows = validate_frame(raw, ROW_SCHEMAS[kind](), name, first_line=first_line)
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return import_rows(get_engine(), kind, rows, source=name, first_line=first_line, sha256=digest)
