"""The sign-off through the API (/api/v1/approvals/): list the approvals in your scope, approve, accept, return
a year, approve many at once (city admin), open a year for corrections. Each write calls ``approvals.services``:
who may do what is theirs to say (403); a refused step is a 400 ``{"detail", "code"}`` (e.g. ``not_approved``,
``already_approved``, ``reason_required``), an invalid body the API's usual 400 ``{field: [messages]}``."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import visible_units
from api.permissions import HasRole
from api.views import ApiMixin
from approvals import services
from approvals.models import Status, YearApproval
from approvals.selectors import approved_json
from personnel.models import OrgUnit
from targets.models import Programme


class ApprovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.CharField()
    unit = serializers.CharField(help_text=_("Mã đơn vị."))
    unit_name = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    approved = serializers.DictField(help_text=_("Người phê duyệt, lúc nào; người chấp nhận sau cùng."))
    figures = serializers.DictField(help_text=_("Số liệu giữ nguyên lúc phê duyệt, theo từng cách xem (then/today)."))


class ApprovalListSerializer(serializers.Serializer):
    results = ApprovalSerializer(many=True)


class ActionSerializer(serializers.Serializer):
    programme = serializers.CharField(max_length=40)
    unit = serializers.CharField(max_length=40)
    year = serializers.IntegerField(min_value=1900, max_value=2100)


class ListQuerySerializer(serializers.Serializer):
    programme = serializers.CharField(max_length=40, required=False, help_text=_("Mã chương trình."))
    unit = serializers.CharField(max_length=40, required=False, help_text=_("Mã đơn vị."))
    year = serializers.IntegerField(min_value=1900, max_value=2100, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class ReturnSerializer(ActionSerializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Lý do trả lại (bắt buộc)."))


class ExceptionSerializer(ActionSerializer):
    reason = serializers.CharField(max_length=2000)
    days = serializers.IntegerField(min_value=1, max_value=90, default=7, help_text=_("Số ngày được sửa."))


class BulkSerializer(serializers.Serializer):
    programme = serializers.CharField(max_length=40)
    years = serializers.ListField(child=serializers.IntegerField(min_value=1900, max_value=2100), min_length=1)
    level = serializers.CharField(max_length=16, help_text=_("Cấp đơn vị: thanh_pho, huyen hoặc xa."))
    open_only = serializers.BooleanField(default=True, help_text=_("Chỉ các đơn vị đang hoạt động."))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BulkApprovalResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    approved = serializers.IntegerField()
    skipped = serializers.IntegerField()
    seconds = serializers.FloatField()


def as_json(approval: YearApproval) -> dict:
    return {
        "id": approval.pk,
        "programme": approval.programme.code,
        "unit": approval.unit.code,
        "unit_name": approval.unit.name,
        "year": approval.year,
        "status": approval.status,
        "approved": approved_json(approval),
        "figures": approval.figures,
    }


class ApprovalView(ApiMixin, APIView):
    permission_classes = [HasRole]
    pagination_class = None
    input_serializer = ActionSerializer

    def programme(self, code: str) -> Programme:
        found = Programme.objects.filter(code=code).first()
        if found is None:
            raise exceptions.NotFound(_("Không tìm thấy chương trình mã “%(code)s”.") % {"code": code})
        return found

    def unit(self, code: str) -> OrgUnit:
        found = visible_units(self.request.user).filter(code=code).first()
        if found is None:
            raise exceptions.NotFound(_("Không tìm thấy đơn vị mã “%(code)s”.") % {"code": code})
        return found

    def read(self) -> dict:
        data = self.input_serializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def act(self, service) -> Response:
        """Run one step (``services.approve`` or ``services.accept``) on the request's programme, unit and year."""
        data = self.read()
        try:
            approval = service(
                programme=self.programme(data["programme"]), unit=self.unit(data["unit"]), year=data["year"],
                user=self.request.user,
            )  # fmt: skip
        except ValidationError as error:
            return self.refused(error)
        return Response(as_json(approval))

    def refused(self, error: ValidationError) -> Response:
        code = getattr(error, "code", None) or "invalid"
        return Response({"detail": " ".join(error.messages), "code": code}, status=status.HTTP_400_BAD_REQUEST)


class ApprovalListView(ApprovalView):
    @extend_schema(
        summary=_("Các lần phê duyệt số liệu năm trong phạm vi của bạn"),
        parameters=[ListQuerySerializer],
        responses={200: ApprovalListSerializer},
    )
    def get(self, request):
        rows = YearApproval.objects.filter(unit__in=visible_units(request.user)).select_related(
            "programme", "unit", "approved_by", "accepted_by"
        )
        query = ListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("programme"):
            rows = rows.filter(programme__code=params["programme"])
        if params.get("unit"):
            rows = rows.filter(unit__code=params["unit"])
        if params.get("year") is not None:
            rows = rows.filter(year=params["year"])
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        return Response({"results": [as_json(a) for a in rows.order_by("year", "unit__path")[:2000]]})


WRITE_RESPONSES = {
    200: ApprovalSerializer,
    403: OpenApiResponse(description=_("Bạn không có quyền thực hiện bước này.")),
    404: OpenApiResponse(description=_("Không có chương trình hoặc đơn vị này trong phạm vi của bạn.")),
}


class ApproveView(ApprovalView):
    @extend_schema(
        summary=_("Lãnh đạo đơn vị phê duyệt số liệu năm của đơn vị"),
        request=ActionSerializer,
        responses=WRITE_RESPONSES,
    )
    def post(self, request):
        return self.act(services.approve)


class AcceptView(ApprovalView):
    @extend_schema(
        summary=_("Cấp trên (rồi thành phố) chấp nhận số liệu năm đã phê duyệt"),
        request=ActionSerializer,
        responses=WRITE_RESPONSES,
    )
    def post(self, request):
        return self.act(services.accept)


class ReturnView(ApprovalView):
    input_serializer = ReturnSerializer

    @extend_schema(
        summary=_("Cấp trên trả lại số liệu năm (kèm lý do): năm được mở khóa"),
        request=ReturnSerializer,
        responses={**WRITE_RESPONSES, 200: ApprovalListSerializer},
    )
    def post(self, request):
        data = self.read()
        try:
            returned = services.return_year(
                programme=self.programme(data["programme"]), unit=self.unit(data["unit"]), year=data["year"],
                user=request.user, reason=data["reason"],
            )  # fmt: skip
        except ValidationError as error:
            return self.refused(error)
        return Response({"results": [as_json(a) for a in returned]})


class ExceptionView(ApprovalView):
    input_serializer = ExceptionSerializer

    @extend_schema(
        summary=_("Cấp trên cho phép sửa số liệu năm đã phê duyệt trong một thời hạn"),
        request=ExceptionSerializer,
        responses={**WRITE_RESPONSES, 200: OpenApiResponse(description=_("Đã cho phép."))},
    )
    def post(self, request):
        data = self.read()
        try:
            exception = services.grant_exception(
                unit=self.unit(data["unit"]), year=data["year"],
                until=timezone.now() + datetime.timedelta(days=data["days"]), reason=data["reason"], user=request.user,
            )  # fmt: skip
        except ValidationError as error:
            return self.refused(error)
        return Response(
            {"id": exception.pk, "unit": exception.unit.code, "year": exception.year, "until": exception.until}
        )


class BulkView(ApprovalView):
    input_serializer = BulkSerializer

    @extend_schema(
        summary=_("Quản trị thành phố phê duyệt hàng loạt nhiều đơn vị và nhiều năm"),
        request=BulkSerializer,
        responses={**WRITE_RESPONSES, 200: BulkApprovalResultSerializer},
    )
    def post(self, request):
        data = self.read()
        programme = self.programme(data["programme"])
        units = OrgUnit.objects.filter(level=data["level"])
        if data["open_only"]:
            today = timezone.localdate()
            units = units.filter(closed_on__isnull=True) | units.filter(closed_on__gt=today)
        try:
            batch = services.bulk_approve(
                programme=programme, units=list(units), years=data["years"], user=request.user, note=data["note"]
            )
        except ValidationError as error:
            return self.refused(error)
        return Response(
            {"id": batch.pk, "approved": batch.approved, "skipped": batch.skipped, "seconds": batch.seconds}
        )
