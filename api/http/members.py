"""``/v1/members``: loyalty members, added or updated one at a time or many at once."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.http.auth import ADMIN, MARKETER, requires
from api.http.database import get_engine
from api.http.schemas import ImportResult, Member, MemberUpdate
from loyalty.catalog_store import find_member
from loyalty.ingest import import_records

blp = Blueprint(
    "members", __name__, url_prefix="/v1/members", description="Loyalty members (household cards)."
)


@blp.route("")
class Members(MethodView):
    """The member base."""

    @requires(blp, *ADMIN)
    @blp.arguments(Member(many=True), description="Members to add or update (all or nothing)")
    @blp.response(200, ImportResult)
    def post(self, members: list[dict]):
        """Add or update many members at once; nothing is written when one is invalid."""
        return import_records(get_engine(), "members", members, Member())


@blp.route("/<string(maxlength=64):member_id>")
class MemberById(MethodView):
    """One member."""

    @requires(blp, *MARKETER)
    @blp.response(200, Member)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, member_id: str):
        """Read one member."""
        return find_member(get_engine(), member_id)

    @requires(blp, *ADMIN)
    @blp.arguments(MemberUpdate)
    @blp.response(200, Member)
    def put(self, member: dict, member_id: str):
        """Add or update one member."""
        if member.setdefault("member_id", member_id) != member_id:
            abort(422, errors={"json": {"member_id": [f"must be {member_id!r}, as in the path"]}})
        engine = get_engine()
        import_records(engine, "members", [member], Member())
        return find_member(engine, member_id)
