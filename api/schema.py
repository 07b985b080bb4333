"""OpenAPI 3 schema details: the knox token scheme and the error answers every operation can give."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from .serializers import ErrorSerializer, StaleEditErrorSerializer, ValidationErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": _("Dữ liệu hoặc tham số không hợp lệ: {trường: [thông báo lỗi]}."),
    "401": _("Chưa đăng nhập, hoặc token không hợp lệ hay đã hết hạn."),
    "403": _("Vai trò của bạn không được phép thực hiện thao tác này."),
    "404": _("Không tìm thấy, hoặc nằm ngoài phạm vi đơn vị bạn quản lý."),
    "409": _("Không xóa được vì còn dữ liệu khác tham chiếu đến bản ghi này."),
}
YEAR_LOCKED_DESCRIPTION = _(
    "Hoặc (code: year_locked) bản ghi thuộc năm có số liệu đã phê duyệt của đơn vị: không ghi gì; lock nêu đơn "
    "vị, năm, người phê duyệt."
)
STALE_EDIT_DESCRIPTION = _(
    "Bản ghi đã được người khác sửa sau khi bạn đọc (trường version gửi lên đã cũ): không ghi gì. Hãy đọc lại "
    "bản ghi, xem thay đổi, rồi gửi lại với phiên bản mới."
)


class ApiAutoSchema(AutoSchema):
    """The default schema inspector, documenting the 400, 401, 403, 404 (and 409) answers too.

    An operation's description is the view's ``api_description`` (Vietnamese, for integrators), not
    its docstring (for developers).
    """

    def get_description(self):
        return str(getattr(self.view, "api_description", ""))

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = ["401", "403", "404"]
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if has_query or "requestBody" in operation:
            codes.append("400")
        if self.method == "DELETE":  # other records may hold on to the one deleted
            codes.append("409")
        responses = operation["responses"]
        for code in sorted(codes):
            if code in responses:
                continue
            serializer = ValidationErrorSerializer if code == "400" else ErrorSerializer
            responses[code] = {
                "description": str(ERROR_DESCRIPTIONS[code]),
                "content": {"application/json": {"schema": self.resolve_serializer(serializer, "response").ref}},
            }
        if self.method in ("PUT", "PATCH") and self._edits_versioned_record() and "409" not in responses:
            responses["409"] = {
                "description": str(STALE_EDIT_DESCRIPTION),
                "content": {
                    "application/json": {"schema": self.resolve_serializer(StaleEditErrorSerializer, "response").ref}
                },
            }
        if self.method in ("POST", "PUT", "PATCH", "DELETE") and self._writes_locked_records():
            locked = str(YEAR_LOCKED_DESCRIPTION)
            if "409" in responses:
                responses["409"]["description"] = f"{responses['409']['description']} {locked}"
            else:
                responses["409"] = {
                    "description": locked,
                    "content": {
                        "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
                    },
                }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _writes_locked_records(self) -> bool:
        """Return whether the operation writes records behind the figures (approvals.locks: approved years)."""
        queryset = getattr(self.view, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is None and hasattr(self.view, "get_serializer_class"):
            try:
                model = getattr(self.view.get_serializer_class().Meta, "model", None)
            except (AttributeError, AssertionError):
                model = None
        return getattr(model, "__name__", "") in ("Person", "Qualification", "Appointment", "TrainingRecord")

    def _edits_versioned_record(self) -> bool:
        """Return whether the operation writes a record with a ``version`` (optimistic locking)."""
        serializer = self.get_request_serializer()
        return "version" in getattr(serializer, "fields", {})


class KnoxTokenScheme(OpenApiAuthenticationExtension):
    """The API's knox token authentication: ``Authorization: Token <token>``."""

    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = str(
            _("Token lấy từ POST /api/v1/auth/login/; gửi trong tiêu đề “Authorization: Token <token>”.")
        )
        return scheme


class CitizenIdFieldSchema(OpenApiSerializerFieldExtension):
    """A citizen ID is 12 digits in a request, and may come back masked (``001*******89``) in a response."""

    target_class = "api.fields.CitizenIdField"

    def map_serializer_field(self, auto_schema, direction):
        description = {"description": str(self.target.help_text)} if self.target.help_text else {}
        if direction == "request":
            return {"type": "string", "pattern": r"^(\d{12})?$", "maxLength": 12, "nullable": True, **description}
        return {"type": "string", "pattern": r"^[0-9*]{12}$", "nullable": True, **description}
