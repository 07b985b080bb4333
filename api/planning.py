"""The planning records through the REST API (``/api/v1/``): plans and their classes, class rosters (places and
results) and nominations. Same scope, rules and messages as the pages: querysets from ``planning.selectors``,
writes through ``planning.services``; another unit's record is a 404, an unknown or out-of-scope code the same
"not found"."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scoping import visible_units
from api.fields import CodeField
from api.serializers import COURSE_NOT_FOUND, UNIT_NOT_FOUND, error_dict
from api.views import ID_IN_URL, ApiMixin
from personnel.models import OrgUnit
from planning import services
from planning.models import Nomination, NominationStatus, PlannedClass, Roster, RosterResult, TrainingPlan
from planning.selectors import roster_counts, visible_nominations, visible_plans, visible_rosters
from targets.models import Indicator
from training.models import Course, CourseType


def refused(error: DjangoValidationError) -> serializers.ValidationError:
    """Return a service's refusal as the API's 400 answer ({field: [messages]})."""
    return serializers.ValidationError(error_dict(error))


# ---------------------------------------------------------------------------------------------
# Serializers


class PlannedClassSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=TrainingPlan.objects.all())
    course_type = CodeField(queryset=CourseType.objects.all(), not_found=_("Không có loại khóa học mã “{value}”."))
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = PlannedClass
        fields = ["id", "plan", "course_type", "indicator", "title", "places", "quarter", "provider", "estimated_cost"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["plan"].queryset = visible_plans(request.user)
        return fields

    def validate(self, attrs):
        plan, indicator = attrs.get("plan"), attrs.get("indicator")
        if plan is not None and indicator is not None and indicator.programme_id != plan.programme_id:
            raise serializers.ValidationError({"indicator": [_("Chỉ tiêu không thuộc chương trình của kế hoạch.")]})
        return attrs


class PlanSerializer(serializers.ModelSerializer):
    unit = CodeField(queryset=OrgUnit.objects.all(), scope=visible_units, not_found=UNIT_NOT_FOUND)
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    classes = PlannedClassSerializer(many=True, read_only=True)
    budget = serializers.SerializerMethodField(help_text=_("Tổng kinh phí dự kiến (VNĐ)."))

    class Meta:
        model = TrainingPlan
        fields = ["id", "unit", "year", "programme", "status", "review_comment", "gaps_confirmed", "submitted_at",
                  "reviewed_at", "classes", "budget"]  # fmt: skip
        read_only_fields = ["status", "review_comment", "gaps_confirmed", "submitted_at", "reviewed_at"]
        validators: list = []

    def get_budget(self, plan) -> int:
        return int(sum(c.estimated_cost for c in plan.classes.all()))


class SubmitSerializer(serializers.Serializer):
    confirm_gaps = serializers.BooleanField(
        default=False, help_text=_("Vẫn trình khi kế hoạch chưa đủ chỗ cho khoảng thiếu của một chỉ tiêu.")
    )


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", _("Duyệt")), ("return", _("Trả lại kế hoạch"))])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RosterSerializer(serializers.ModelSerializer):
    course = CodeField(queryset=Course.objects.all(), not_found=COURSE_NOT_FOUND)
    unit = CodeField(queryset=OrgUnit.objects.all(), scope=visible_units, not_found=UNIT_NOT_FOUND)
    planned_class = serializers.PrimaryKeyRelatedField(
        queryset=PlannedClass.objects.all(), required=False, allow_null=True
    )
    seated = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = Roster
        fields = ["course", "unit", "capacity", "planned_class", "actual_cost", "seated", "waiting"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["planned_class"].queryset = PlannedClass.objects.filter(plan__in=visible_plans(request.user))
        if self.instance is not None:
            for name in ("course", "unit", "planned_class"):
                fields[name].read_only = True
        return fields


class NominationSerializer(serializers.ModelSerializer):
    course = serializers.CharField(source="roster.course.code", read_only=True)
    person = serializers.CharField(source="person.code", read_only=True)
    full_name = serializers.CharField(source="person.full_name", read_only=True)
    unit = serializers.CharField(source="person.unit.code", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True, default=None, allow_null=True)
    result = serializers.ChoiceField(
        choices=RosterResult.choices, allow_blank=True, read_only=True, help_text=_("Trống khi chưa có kết quả.")
    )

    class Meta:
        model = Nomination
        fields = ["id", "course", "person", "full_name", "unit", "status", "position", "indicator", "reason",
                  "result", "completed_on", "certificate_number"]  # fmt: skip
        read_only_fields = fields


class NominateSerializer(serializers.Serializer):
    course = serializers.CharField(max_length=60, help_text=_("Mã khóa học (lớp đã mở danh sách)."))
    persons = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=False)
    waiting_list = serializers.BooleanField(default=True)


class ResultItemSerializer(serializers.Serializer):
    person = serializers.CharField(max_length=40)
    result = serializers.ChoiceField(choices=RosterResult.choices)
    completed_on = serializers.DateField(required=False, allow_null=True, default=None)
    certificate_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


# ---------------------------------------------------------------------------------------------
# Views


@extend_schema_view(
    list=extend_schema(summary=_("Danh sách kế hoạch đào tạo năm")),
    retrieve=extend_schema(summary=_("Một kế hoạch đào tạo")),
    create=extend_schema(summary=_("Lập kế hoạch (dự thảo) cho một đơn vị và một năm")),
    destroy=extend_schema(summary=_("Xóa kế hoạch dự thảo")),
)
class PlanViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    api_description = _(
        "Kế hoạch đào tạo năm của đơn vị: các lớp dự kiến, số chỗ, kinh phí; dự thảo → đã trình → đã duyệt hoặc trả "
        "lại (cấp trên duyệt). Chỉ thấy kế hoạch của các đơn vị trong phạm vi của bạn."
    )
    serializer_class = PlanSerializer
    lookup_value_regex = ID_IN_URL
    filterset_class = None
    filterset_fields = ["year", "status"]
    ordering_fields = ["id", "year"]
    ordering = ["-year", "id"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return (
            visible_plans(self.request.user)
            .select_related("unit", "programme")
            .prefetch_related("classes__course_type", "classes__indicator")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            plan = services.create_plan(
                unit=serializer.validated_data["unit"], year=serializer.validated_data["year"], user=request.user
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        plan = self.get_object()
        if not plan.editable or plan.submitted_at is not None:
            raise serializers.ValidationError({"status": [_("Chỉ xóa được kế hoạch dự thảo chưa trình lần nào.")]})
        services._require_writer(request.user, plan.unit)
        plan.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Trình kế hoạch lên cấp trên"), request=SubmitSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def submit(self, request, pk=None, format=None):
        plan = self.get_object()
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            plan = services.submit_plan(plan=plan, user=request.user, confirm_gaps=body.validated_data["confirm_gaps"])
        except services.GapsUncovered as warned:
            return Response(
                {
                    "detail": _(
                        "Kế hoạch chưa đủ chỗ cho khoảng thiếu của một số chỉ tiêu; gửi confirm_gaps=true để vẫn trình."
                    ),
                    "warnings": [
                        {"indicator": w.indicator, "gap": w.gap, "places": w.places, "message": w.message}
                        for w in warned.warnings
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        return Response(self.get_serializer(plan).data)

    @extend_schema(
        summary=_("Duyệt hoặc trả lại kế hoạch (cấp trên)"), request=ReviewSerializer, responses={200: PlanSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def review(self, request, pk=None, format=None):
        plan = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            plan = services.review_plan(
                plan=plan,
                user=request.user,
                approve=body.validated_data["decision"] == "approve",
                comment=body.validated_data["comment"],
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        return Response(self.get_serializer(plan).data)


@extend_schema_view(
    list=extend_schema(summary=_("Các lớp dự kiến trong kế hoạch")),
    retrieve=extend_schema(summary=_("Một lớp dự kiến")),
    create=extend_schema(summary=_("Thêm lớp dự kiến vào kế hoạch dự thảo hoặc bị trả lại")),
    destroy=extend_schema(summary=_("Xóa lớp dự kiến")),
)
class PlannedClassViewSet(
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    api_description = _(
        "Lớp dự kiến của kế hoạch: loại khóa học, chỉ tiêu đáp ứng, số chỗ, quý, cơ sở đào tạo, kinh phí."
    )
    serializer_class = PlannedClassSerializer
    lookup_value_regex = ID_IN_URL
    filterset_class = None
    filterset_fields = ["plan"]
    ordering_fields = ["id", "quarter"]
    ordering = ["id"]

    def get_queryset(self):
        return PlannedClass.objects.filter(plan__in=visible_plans(self.request.user)).select_related(
            "plan", "course_type", "indicator"
        )

    def perform_create(self, serializer):
        try:
            serializer.instance = services.add_planned_class(user=self.request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise refused(error) from None

    def perform_destroy(self, instance):
        try:
            services.remove_planned_class(planned_class=instance, user=self.request.user)
        except DjangoValidationError as error:
            raise refused(error) from None


@extend_schema_view(
    list=extend_schema(summary=_("Danh sách lớp (khóa học có số chỗ)")),
    retrieve=extend_schema(summary=_("Một lớp, theo mã khóa học")),
    create=extend_schema(summary=_("Mở danh sách lớp cho một khóa học")),
    update=extend_schema(summary=_("Sửa số chỗ, kinh phí thực tế")),
    partial_update=extend_schema(summary=_("Sửa số chỗ, kinh phí thực tế")),
)
class RosterViewSet(
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    api_description = _(
        "Lớp học thực tế (khóa học) với số chỗ, số người đã xếp và đang chờ. Thấy các lớp do đơn vị trong phạm vi "
        "của bạn hoặc cấp trên tổ chức."
    )
    serializer_class = RosterSerializer
    lookup_field = "course__code"
    lookup_url_kwarg = "code"
    lookup_value_regex = ID_IN_URL  # no "/": the ``results`` action sits under the code
    filterset_class = None
    ordering_fields = ["capacity"]
    ordering = ["-course__start_date", "course__code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return roster_counts(visible_rosters(self.request.user)).select_related("course", "unit")

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            roster = services.open_roster(
                course=data["course"],
                unit=data["unit"],
                capacity=data["capacity"],
                user=self.request.user,
                planned_class=data.get("planned_class"),
                actual_cost=data.get("actual_cost"),
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        serializer.instance = roster_counts(Roster.objects.filter(pk=roster.pk)).select_related("course", "unit").get()

    def perform_update(self, serializer):
        roster = serializer.instance
        data = serializer.validated_data
        try:
            services.change_roster(
                roster=roster,
                user=self.request.user,
                capacity=data.get("capacity", roster.capacity),
                actual_cost=data.get("actual_cost", roster.actual_cost),
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        serializer.instance = roster_counts(Roster.objects.filter(pk=roster.pk)).select_related("course", "unit").get()

    @extend_schema(
        summary=_("Ghi kết quả của lớp (tất cả hoặc không)"),
        description=_(
            "Mỗi phần tử: mã cán bộ (đang trong danh sách chính thức), kết quả (hoan_thanh, khong_dat, bo_hoc), ngày "
            "hoàn thành, số chứng chỉ. Kết quả được ghi thành kết quả đào tạo; một phần tử lỗi thì không ghi gì."
        ),
        request=ResultItemSerializer(many=True),
        responses={200: NominationSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def results(self, request, code=None, format=None):
        roster = self.get_object()
        items = ResultItemSerializer(data=request.data, many=True, allow_empty=False)
        items.is_valid(raise_exception=True)
        codes = [item["person"] for item in items.validated_data]
        nominations = {
            n.person.code: n
            for n in visible_nominations(request.user)
            .filter(roster=roster, person__code__in=codes)
            .exclude(status=NominationStatus.WITHDRAWN)
            .select_related("person")
        }
        missing = [code for code in codes if code not in nominations]
        if missing:
            raise serializers.ValidationError({"person": [services.person_not_found(code) for code in missing]})
        lines = [
            services.ResultLine(nominations[i["person"]], i["result"], i["completed_on"], i["certificate_number"])
            for i in items.validated_data
        ]
        try:
            with transaction.atomic():
                services.enter_results(roster=roster, lines=lines, user=request.user)
        except services.ResultsRefused as error:
            return Response(
                {
                    "detail": _("Có %(count)s lỗi; chưa ghi dữ liệu nào.") % {"count": len(error.errors)},
                    "errors": [
                        {"person": person, "field": field, "value": value, "message": message}
                        for person, field, value, message in error.errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        return Response(NominationSerializer([nominations[c] for c in codes], many=True).data)


@extend_schema_view(
    list=extend_schema(summary=_("Danh sách đề cử (người trong phạm vi của bạn)")),
    retrieve=extend_schema(summary=_("Một đề cử")),
    destroy=extend_schema(summary=_("Rút khỏi lớp (người chờ đầu tiên được đưa lên)")),
)
class NominationViewSet(
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    api_description = _(
        "Người được đề cử vào lớp: trong danh sách chính thức, danh sách chờ (theo thứ tự) hoặc đã rút; lý do đề cử "
        "(chỉ tiêu và điều còn thiếu) và kết quả."
    )
    serializer_class = NominationSerializer
    lookup_value_regex = ID_IN_URL
    filterset_class = None
    filterset_fields = ["status"]
    ordering_fields = ["id", "position"]
    ordering = ["roster", "position"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        qs = visible_nominations(self.request.user).select_related("roster__course", "person__unit", "indicator")
        course = self.request.query_params.get("course")
        return qs.filter(roster__course__code=course) if course else qs

    @extend_schema(
        summary=_("Đề cử người vào lớp"),
        description=_(
            "Quá số chỗ thì vào danh sách chờ theo thứ tự (waiting_list=true, mặc định), hoặc từ chối tất cả "
            "(waiting_list=false). Mã cán bộ không có hoặc ngoài phạm vi đều báo “không tìm thấy”."
        ),
        request=NominateSerializer,
        responses={201: NominationSerializer(many=True)},
    )
    def create(self, request, *args, **kwargs):
        body = NominateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        roster = visible_rosters(request.user).filter(course__code=body.validated_data["course"]).first()
        if roster is None:
            raise serializers.ValidationError(
                {"course": [str(COURSE_NOT_FOUND).format(value=body.validated_data["course"])]}
            )
        try:
            done = services.nominate(
                roster=roster,
                persons=body.validated_data["persons"],
                user=request.user,
                waiting_list=body.validated_data["waiting_list"],
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        return Response(
            NominationSerializer(done.seated + done.waiting, many=True).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance):
        try:
            services.withdraw(nomination=instance, user=self.request.user)
        except DjangoValidationError as error:
            raise refused(error) from None


def register(router) -> None:
    """Add the planning resources to the API's router (``api.urls``)."""
    router.register("plans", PlanViewSet, basename="plan")
    router.register("planned-classes", PlannedClassViewSet, basename="planned-class")
    router.register("classes", RosterViewSet, basename="class")
    router.register("nominations", NominationViewSet, basename="nomination")
