"""The REST API for other systems (``/api/v1/``): the same records, rules and scope as the screens.

Every queryset comes from ``accounts.scoping``, so another unit's record is a 404 on a detail URL
and never appears in a list; writes need the admin or HR role (``api.permissions``).
"""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from knox import views as knox_views
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions, generics, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import mfa
from accounts.access import record_access, record_list_access
from accounts.models import AccessAction
from accounts.privacy import role_sees_full_citizen_id
from accounts.roles import role_of
from accounts.scoping import (
    scope_unit,
    sees_whole_city,
    visible_appointments,
    visible_persons,
    visible_qualifications,
    visible_units,
)
from approvals.locks import YearLocked
from approvals.selectors import approved_report, approved_reports
from core.concurrency import StaleEdit, delete_versioned, is_versioned, parse_version, save_versioned
from personnel import history
from personnel.models import OrgUnit
from personnel.services import save_person, save_unit
from reports import freshness
from targets import compliance
from targets import years as target_years
from targets.models import Indicator, IndicatorKind, Programme
from training.models import Course, CourseType
from training.scoping import changeable_courses, course_used_outside_scope, visible_training_records

from . import filters, serializers
from .authentication import BasicAuthentication, TokenAuthentication
from .bulk import upsert_training_records
from .pagination import ApiPagination
from .parsers import JSONParser
from .permissions import AdminWrites, HasRole, HrWrites, request_role
from .schema import ApiAutoSchema

# A code may hold any character but NUL (which PostgreSQL cannot compare), even "/"; an id that is not a
# number is answered 404 by the view, like an unknown one.
CODE_IN_URL = r"[^\x00]+"
ID_IN_URL = r"[^/\x00]+"
# A person's code, leaving ``…/history/`` to the person's history (a code ending so reads as its history).
PERSON_CODE_IN_URL = r"(?:(?!/history[/.])[^\x00])+"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Không xóa được vì còn dữ liệu khác tham chiếu đến bản ghi này.")
    default_code = "protected"


class CodeThrottled(exceptions.Throttled):
    """Too many wrong one-time codes: wait (said in Vietnamese, and in the Retry-After header)."""

    def __init__(self, wait: int):
        message = _("Nhập sai mã xác thực quá nhiều lần. Vui lòng đợi %(seconds)d giây rồi thử lại.")
        super().__init__(detail=message % {"seconds": wait})
        self.wait = wait


class ApiMixin:
    """Token or session, JSON in, JSON out, paginated, role-checked, with its errors documented."""

    schema = ApiAutoSchema()
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    pagination_class = ApiPagination
    permission_classes = [HrWrites]

    def handle_exception(self, exc):
        # approvals.locks: a write into an approved year is a conflict, answered 409 with code "year_locked".
        if isinstance(exc, YearLocked):
            return Response(
                {"detail": exc.messages[0], "code": "year_locked", "lock": exc.lock.as_json()},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)


def not_found(request, *args, **kwargs):
    """Answer an unknown address under /api/v1/ with a JSON 404, like every other API error."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)


class ApiViewSet(ApiMixin, viewsets.ModelViewSet):
    def update(self, request, *args, **kwargs):
        # core.concurrency: an edit sent with a stale ``version`` writes nothing and is answered 409.
        try:
            return super().update(request, *args, **kwargs)
        except StaleEdit as error:
            return Response({"detail": error.message, "version": error.version}, status=status.HTTP_409_CONFLICT)

    def create(self, request, *args, **kwargs):
        # In a savepoint: a create that loses a uniqueness race (IntegrityError, answered 409 by api.errors)
        # leaves the connection usable.
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def get_object(self):
        # A record named by its code is found whatever the code's case (core.codes), within the caller's scope.
        if self.lookup_field != "code":
            return super().get_object()
        queryset = self.filter_queryset(self.get_queryset())
        obj = get_object_or_404(queryset, code__iexact=self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj

    def perform_create(self, serializer):
        serializer.validated_data.pop("version", None)  # a new record starts at version 1
        super().perform_create(serializer)

    def perform_update(self, serializer):
        version = serializer.validated_data.pop("version", None)
        if not is_versioned(type(serializer.instance)):
            return super().perform_update(serializer)
        save_versioned(instance=serializer.instance, version=version, save=serializer.save)

    def destroy(self, request, *args, **kwargs):
        # core.concurrency: a DELETE that names the version it read (``?version=``) is refused 409 when stale.
        try:
            return super().destroy(request, *args, **kwargs)
        except StaleEdit as error:
            return Response({"detail": error.message, "version": error.version}, status=status.HTTP_409_CONFLICT)

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                if is_versioned(type(instance)):
                    version = parse_version(self.request.query_params.get("version"))
                    delete_versioned(instance=instance, version=version)
                else:
                    instance.delete()
        except (ProtectedError, RestrictedError) as error:
            raise Conflict() from error


# ---------------------------------------------------------------------------------------------
# Units, persons and their records


@extend_schema_view(
    list=extend_schema(summary=_("Danh sách đơn vị trong phạm vi của bạn")),
    retrieve=extend_schema(summary=_("Một đơn vị")),
    create=extend_schema(summary=_("Thêm đơn vị (quản trị)")),
    update=extend_schema(summary=_("Sửa đơn vị (quản trị)")),
    partial_update=extend_schema(summary=_("Sửa một phần đơn vị (quản trị)")),
    destroy=extend_schema(summary=_("Xóa đơn vị chưa có dữ liệu (quản trị)")),
)
class UnitViewSet(ApiViewSet):
    """Organisation units; admins write them through ``save_unit`` so that paths follow."""

    api_description = _(
        "Đơn vị tổ chức (mẫu don_vi), theo mã. Mọi người dùng đọc được các đơn vị trong phạm vi của mình; chỉ quản "
        "trị được thêm, sửa, xóa."
    )
    serializer_class = serializers.UnitSerializer
    permission_classes = [AdminWrites]
    filterset_class = filters.UnitFilter
    lookup_field = "code"
    lookup_value_regex = CODE_IN_URL
    ordering_fields = ["code", "name", "level", "path"]
    ordering = ["path"]

    def get_queryset(self):
        return visible_units(self.request.user).select_related("parent").prefetch_related("successions__successor")

    def perform_create(self, serializer):
        serializer.instance = save_unit(unit=OrgUnit(**serializer.validated_data))

    def perform_update(self, serializer):
        unit = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(unit, key, value)
        serializer.instance = save_unit(unit=unit)


@extend_schema_view(
    list=extend_schema(summary=_("Danh sách cán bộ")),
    retrieve=extend_schema(summary=_("Một cán bộ, theo mã")),
    create=extend_schema(summary=_("Thêm cán bộ")),
    update=extend_schema(summary=_("Sửa cán bộ")),
    partial_update=extend_schema(summary=_("Sửa một phần hồ sơ cán bộ")),
    destroy=extend_schema(summary=_("Xóa cán bộ")),
)
class PersonViewSet(ApiViewSet):
    """Persons by code; written through ``save_person`` (name keys, ``full_clean``)."""

    api_description = _(
        "Cán bộ (mẫu nhan_su), theo mã cán bộ, trong phạm vi đơn vị của bạn. Số CCCD đầy đủ cho quản trị và cán bộ "
        "tổ chức; lãnh đạo và người xem thấy dạng che (001*******89). Mỗi lần xem chi tiết một cán bộ được ghi vào "
        "nhật ký truy cập. Chỉ quản trị và cán bộ tổ chức được ghi."
    )
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    lookup_field = "code"
    lookup_value_regex = PERSON_CODE_IN_URL
    ordering_fields = ["code", "full_name", "birth_date", "updated_at"]
    ordering_aliases = {"full_name": "sort_key"}  # Vietnamese name order
    ordering = ["full_name", "code"]

    def get_queryset(self):
        return visible_persons(self.request.user).select_related("unit")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # accounts.privacy: the full citizen ID is for the officers who keep the records.
        context["reveal_citizen_id"] = role_sees_full_citizen_id(request_role(self.request))
        return context

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        # A page of persons is personal data: logged like an export (who, filters, how many), one INSERT.
        shown = response.data.get("results", response.data) if isinstance(response.data, dict) else response.data
        record_list_access(user=request.user, action=AccessAction.API_LIST_PERSONS, request=request, persons=len(shown))
        return response

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        record_access(user=request.user, action=AccessAction.API_VIEW_PERSON, target=person, request=request)
        return Response(self.get_serializer(person).data)

    def perform_create(self, serializer):
        serializer.validated_data.pop("version", None)
        serializer.instance = save_person(person=serializer.Meta.model(**serializer.validated_data))

    def perform_update(self, serializer):
        version = serializer.validated_data.pop("version", None)
        person = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(person, key, value)
        serializer.instance = save_person(person=person, version=version)

    @extend_schema(
        methods=["GET"],
        summary=_("Quá trình công tác của một cán bộ"),
        responses=serializers.AssignmentSerializer(many=True),
    )
    @extend_schema(
        methods=["PUT"],
        summary=_("Thay cả quá trình công tác của một cán bộ (tất cả hoặc không)"),
        request=serializers.AssignmentSerializer(many=True),
        responses={200: serializers.AssignmentSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "put"], url_path="history", pagination_class=None)
    def history(self, request, code=None, format=None):  # the router passes ``format`` (.json)
        """Read a person's assignments, or replace them all (the rows of qua_trinh_cong_tac for one person)."""
        person = self.get_object()
        if request.method == "PUT":
            incoming = serializers.AssignmentSerializer(
                data=request.data, many=True, context=self.get_serializer_context()
            )
            incoming.is_valid(raise_exception=True)
            stretches = [
                history.Stretch(label=str(index + 1), **row) for index, row in enumerate(incoming.validated_data)
            ]
            try:
                history.replace_history(person=person, stretches=stretches)
            except DjangoValidationError as error:
                raise exceptions.ValidationError({"history": error.messages}) from None
        rows = person.assignments.select_related("unit", "heir_unit", "job_position").in_order()
        return Response(serializers.AssignmentSerializer(rows, many=True).data)


class QualificationViewSet(ApiViewSet):
    """Dated qualifications (diplomas, certificates) of the persons you may see."""

    api_description = _("Văn bằng, chứng chỉ có ngày cấp (mẫu van_bang) của cán bộ trong phạm vi của bạn.")
    serializer_class = serializers.QualificationSerializer
    filterset_class = filters.QualificationFilter
    lookup_value_regex = ID_IN_URL
    ordering_fields = ["id", "obtained_on", "level"]
    ordering = ["id"]

    def get_queryset(self):
        return visible_qualifications(self.request.user).select_related("person")


class AppointmentViewSet(ApiViewSet):
    """Rank and post appointments of the persons you may see."""

    api_description = _("Bổ nhiệm ngạch, chức vụ (mẫu bo_nhiem) của cán bộ trong phạm vi của bạn.")
    serializer_class = serializers.AppointmentSerializer
    filterset_class = filters.AppointmentFilter
    lookup_value_regex = ID_IN_URL
    ordering_fields = ["id", "appointed_on"]
    ordering = ["id"]

    def get_queryset(self):
        return visible_appointments(self.request.user).select_related("person")


class TrainingRecordViewSet(ApiViewSet):
    """Training results of the persons you may see; ``bulk`` creates or updates many at once."""

    api_description = _(
        "Kết quả đào tạo (mẫu ket_qua) của cán bộ trong phạm vi của bạn; cán bộ và khóa học ghi bằng mã. Ngày hoàn "
        "thành không được trước ngày bắt đầu khóa học, sau ngày kết thúc quá một năm, ở tương lai, hay trên kết quả "
        "chưa hoàn thành."
    )
    serializer_class = serializers.TrainingRecordSerializer
    filterset_class = filters.TrainingRecordFilter
    lookup_value_regex = ID_IN_URL
    ordering_fields = ["id", "completed_on"]
    ordering = ["id"]

    def get_queryset(self):
        return visible_training_records(self.request.user).select_related("person", "course")

    @extend_schema(
        summary=_("Ghi nhiều kết quả đào tạo một lần (tất cả hoặc không)"),
        description=_(
            "Mỗi phần tử là một dòng của mẫu ket_qua, theo mã cán bộ và mã khóa học. Bản ghi (cán bộ, khóa học) đã "
            "có thì được cập nhật, chưa có thì được thêm. Nếu một phần tử lỗi, không ghi gì và trả về lỗi của từng "
            "phần tử (vị trí, trường, thông báo)."
        ),
        request=serializers.BulkTrainingRecordItemSerializer(many=True),
        responses={
            200: serializers.BulkResultSerializer,
            400: OpenApiResponse(serializers.BulkErrorSerializer, description=_("Lỗi từng phần tử; không ghi gì.")),
            409: OpenApiResponse(
                serializers.BulkErrorSerializer,
                description=_(
                    "Có bản ghi vừa được người khác sửa trong lúc ghi, hoặc mọi phần tử lỗi đều thuộc năm đã phê duyệt "
                    "(code: year_locked); không ghi gì."
                ),
            ),
        },
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request, format=None):  # ``format``: the router's ``bulk.json`` suffix route passes it
        outcome = upsert_training_records(items=request.data, user=request.user)
        if outcome.errors:
            locked = all(error.get("code") == "year_locked" for error in outcome.errors)
            body = {
                "detail": _("Có %(count)s lỗi; chưa ghi dữ liệu nào.") % {"count": len(outcome.errors)},
                "errors": outcome.errors,
            }
            if locked:  # approvals.locks: every refused item falls in an approved year
                body["code"] = "year_locked"
            conflict = outcome.stale or locked
            return Response(body, status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST)
        return Response(outcome.summary())


# ---------------------------------------------------------------------------------------------
# Courses, programmes and indicators: the same for every unit


class CourseTypeViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The course types the programme counts (seeded; changed by admins in the admin site)."""

    api_description = _("Các loại khóa học mà chương trình tính đến (chỉ đọc).")
    serializer_class = serializers.CourseTypeSerializer
    queryset = CourseType.objects.all()
    lookup_field = "code"
    lookup_value_regex = CODE_IN_URL
    filterset_class = None
    ordering_fields = ["order", "code"]
    ordering = ["order", "code"]


class CourseViewSet(ApiViewSet):
    """Courses (classes) of every provider; written by admins and HR officers."""

    api_description = _(
        "Khóa học (mẫu khoa_hoc), theo mã khóa học; loại khóa học là danh sách mã. Chỉ quản trị và cán bộ tổ chức "
        "được ghi."
    )
    serializer_class = serializers.CourseSerializer
    filterset_class = filters.CourseFilter
    lookup_field = "code"
    lookup_value_regex = CODE_IN_URL
    ordering_fields = ["code", "start_date", "end_date", "title"]
    ordering = ["-start_date", "code"]

    def get_queryset(self):
        # Everyone reads every course; HR change only those their subtree runs (accounts.scoping): another
        # unit's course is a 404 to a write, like an unknown one.
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            return changeable_courses(self.request.user).prefetch_related("types")
        return Course.objects.prefetch_related("types").select_related("unit")

    def perform_create(self, serializer):
        if serializer.validated_data.get("unit") is None:
            serializer.validated_data["unit"] = scope_unit(self.request.user)
        super().perform_create(serializer)

    def perform_destroy(self, instance):
        if course_used_outside_scope(self.request.user, instance):
            raise Conflict(_("Khóa học đã có kết quả đào tạo của cán bộ đơn vị khác; không được xóa."))
        super().perform_destroy(instance)


class ProgrammeViewSet(ApiViewSet):
    """Target programmes (written by admins)."""

    api_description = _("Chương trình mục tiêu, theo mã; chỉ quản trị được ghi.")
    serializer_class = serializers.ProgrammeSerializer
    queryset = Programme.objects.all()
    permission_classes = [AdminWrites]
    filterset_class = None
    lookup_field = "code"
    lookup_value_regex = CODE_IN_URL
    ordering_fields = ["code", "start_date"]
    ordering = ["-start_date", "code"]


class IndicatorViewSet(ApiViewSet):
    """Indicators of the programmes, as data (written by admins)."""

    api_description = _("Chỉ tiêu của các chương trình, lưu dưới dạng dữ liệu; chỉ quản trị được ghi.")
    serializer_class = serializers.IndicatorSerializer
    queryset = Indicator.objects.select_related("programme")
    permission_classes = [AdminWrites]
    filterset_class = filters.IndicatorFilter
    lookup_value_regex = ID_IN_URL
    ordering_fields = ["id", "order", "code"]
    ordering = ["programme__code", "order", "code"]


# ---------------------------------------------------------------------------------------------
# Compliance (data-exchange, section 7)


class ComplianceMixin(ApiMixin):
    """Read the programme, year, unit and date of a compliance request, the way the command does."""

    permission_classes = [HasRole]
    query_serializer = serializers.ComplianceQuerySerializer

    def evaluation(self) -> dict:
        """Return programme, unit, year and as_of from the query, with the defaults of data-exchange §7."""
        query = self.query_serializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        year, as_of = params.get("year"), params.get("as_of")
        programme = self.programme(params.get("programme"))
        if year is None and as_of is None:
            year = target_years.default_year(programme)
        return {
            **params,
            "programme": programme,
            "unit": self.unit(params.get("unit")),
            "year": year,
            "as_of": as_of,
        }

    def programme(self, code: str | None) -> Programme:
        if code:
            found = Programme.objects.filter(code__iexact=code).first()
        else:
            found = Programme.objects.filter(code=settings.DEFAULT_PROGRAMME).first() or Programme.objects.default()
        if found is None:
            raise exceptions.NotFound(_("Không tìm thấy chương trình mã “%(code)s”.") % {"code": code or ""})
        return found

    def unit(self, code: str | None) -> OrgUnit:
        user = self.request.user
        if code:
            found = visible_units(user).filter(code__iexact=code).first()
        elif sees_whole_city(user):
            found = OrgUnit.objects.roots().order_by("code").first()
        else:
            found = scope_unit(user)
        if found is None:
            raise exceptions.NotFound(_("Không tìm thấy đơn vị mã “%(code)s”.") % {"code": code or ""})
        return found


COMPLIANCE_DESCRIPTION = _(
    "Số liệu thực hiện từng chỉ tiêu của một đơn vị (tính trên cả cây đơn vị bên dưới), đúng như lệnh "
    "`manage.py compliance`. Mặc định: chương trình mặc định, năm gần nhất đã bắt đầu của chương trình (năm cuối "
    "khi chương trình đã kết thúc), đơn vị gốc (người dùng không xem toàn thành phố: đơn vị của mình). Đơn vị "
    "ngoài phạm vi trả về 404."
)


def unit_reports(
    programme: Programme, unit: OrgUnit, *, year: int | None, as_of, view: str | None
) -> tuple[compliance.UnitReport, list[compliance.UnitReport]]:
    """Return the unit's report and those of its child units that have figures, in ``view`` (default: the unit's).

    For a year, the dashboard's stored figures (``reports.freshness``), brought up to date in the request the
    way the dashboard does: evaluating the whole city live took seconds on every call, and the API and the
    dashboard now show one source. Live, as the ``compliance`` command does, only what is not stored: a date
    ``as_of``, or a unit with no figures in the view and year (its note, and any children that have figures).
    The JSON is the same either way (the engine's figures, stored as computed).
    """
    view = view or compliance.default_view(unit)
    if as_of is None:
        on_year, at = compliance.unit_evaluation_date(programme, unit, year=year, view=view)
        if at is not None:
            figures = freshness.load_computed_figures(programme, unit, year=on_year, view=view)
            return figures.report, figures.children
    return compliance.evaluate_children(programme, unit, year=year, as_of=as_of, view=view)


class ComplianceView(ComplianceMixin, APIView):
    @extend_schema(
        summary=_("Số liệu thực hiện chỉ tiêu của một đơn vị"),
        description=COMPLIANCE_DESCRIPTION,
        parameters=[serializers.ComplianceQuerySerializer],
        responses={200: serializers.ComplianceApprovedReportSerializer},
    )
    def get(self, request):
        params = self.evaluation()
        report, _children = unit_reports(
            params["programme"], params["unit"], year=params["year"], as_of=params["as_of"], view=params.get("view")
        )
        return Response(approved_report(report) if params["as_of"] is None else report.as_json())


class ComplianceUnitsView(ComplianceMixin, APIView):
    @extend_schema(
        summary=_("Số liệu của đơn vị và của từng đơn vị trực thuộc"),
        description=COMPLIANCE_DESCRIPTION,
        parameters=[serializers.ComplianceQuerySerializer],
        responses={200: serializers.ComplianceChildrenSerializer},
    )
    def get(self, request):
        params = self.evaluation()
        report, children = unit_reports(
            params["programme"], params["unit"], year=params["year"], as_of=params["as_of"], view=params.get("view")
        )
        if params["as_of"] is not None:
            return Response({**report.as_json(), "children": [child.as_json() for child in children]})
        main, *rest = approved_reports([report, *children])
        return Response({**main, "children": rest})


class ComplianceUnmetView(ComplianceMixin, generics.GenericAPIView):
    query_serializer = serializers.UnmetQuerySerializer

    @extend_schema(
        summary=_("Những người (hoặc lần bổ nhiệm) chưa đạt một chỉ tiêu, và còn thiếu gì"),
        parameters=[serializers.UnmetQuerySerializer],
        responses={200: serializers.UnmetPageSerializer},
    )
    def get(self, request):
        params = self.evaluation()
        programme = params["programme"]
        indicator = programme.indicators.filter(code__iexact=params["indicator"]).first()
        if indicator is None:
            raise exceptions.NotFound(
                _("Chương trình %(programme)s không có chỉ tiêu mã “%(code)s”.")
                % {"programme": programme.code, "code": params["indicator"]}
            )
        view = params.get("view") or compliance.default_view(params["unit"])
        year, at = compliance.unit_evaluation_date(
            programme, params["unit"], year=params["year"], as_of=params["as_of"], view=view
        )
        rows = compliance.unmet(programme, indicator, params["unit"], year=year, as_of=params["as_of"], view=view)
        page = self.paginate_queryset(rows)
        missing = compliance.missing_for(programme, indicator, page, year=year, as_of=at) if at else {}
        by_appointment = indicator.kind == IndicatorKind.APPOINTMENT
        results = []
        for row in page:
            person = row.person if by_appointment else row
            results.append(
                {
                    "code": person.code,
                    "full_name": person.full_name,
                    "unit": person.unit.code,
                    "unit_name": person.unit.name,
                    "category": person.category,
                    "appointment": (
                        {"id": row.pk, "kind": row.kind, "title": row.title, "appointed_on": row.appointed_on}
                        if by_appointment
                        else None
                    ),
                    "missing": [str(text) for text in missing[row.pk]],
                }
            )
        paginated = self.paginator.get_paginated_response(results).data
        unit = params["unit"]
        return Response(
            {
                "programme": programme.code,
                "indicator": indicator.code,
                "unit": {"code": unit.code, "name": unit.name},
                "year": year,
                "as_of": at.isoformat(),
                **paginated,
            }
        )


# ---------------------------------------------------------------------------------------------
# Tokens


class LoginView(ApiMixin, knox_views.LoginView):
    """Exchange a username and password (JSON body, or HTTP Basic) for an expiring token."""

    authentication_classes = [BasicAuthentication]
    permission_classes = [AllowAny]
    pagination_class = None

    @extend_schema(
        summary=_("Lấy token (đăng nhập bằng tên và mật khẩu)"),
        description=_(
            'Gửi {"username", "password"} (hoặc HTTP Basic). Token hết hạn sau thời gian cấu hình '
            "(mặc định 10 giờ); chỉ bản băm của token được lưu."
        ),
        request=serializers.LoginSerializer,
        responses={
            200: serializers.TokenSerializer,
            429: OpenApiResponse(
                serializers.ErrorSerializer,
                description=_("Đăng nhập sai quá nhiều lần: tên đăng nhập này tạm bị khóa từ địa chỉ này."),
            ),
        },
        auth=[],
    )
    def post(self, request, format=None):
        if not request.user.is_authenticated:
            credentials = serializers.LoginSerializer(data=request.data)
            credentials.is_valid(raise_exception=True)
            user = authenticate(request._request, **credentials.validated_data)
            if user is None or not user.is_active:
                raise exceptions.AuthenticationFailed(_("Tên đăng nhập hoặc mật khẩu không đúng."))
            request.user = user
        self.check_second_factor(request)
        instance, token = AuthToken.objects.create(user=request.user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=request.user.__class__, request=request, user=request.user)
        unit = request.user.unit
        return Response(
            {
                "token": token,
                "expiry": instance.expiry.isoformat() if instance.expiry else None,
                "username": request.user.get_username(),
                "role": role_of(request.user),
                "unit": unit.code if unit else None,
            }
        )

    def check_second_factor(self, request) -> None:
        """Refuse a token to an admin or importer without the right code of their authenticator app.

        A token opens the API without the browser's code step, so getting one takes the same two factors.
        """
        if not mfa.needs_mfa(request.user):
            return
        device = mfa.confirmed_device(request.user)
        if device is None:
            raise exceptions.PermissionDenied(
                _(
                    "Tài khoản này cần xác thực hai lớp nhưng chưa thiết lập ứng dụng xác thực: "
                    "hãy đăng nhập trên trang web để thiết lập trước."
                ),
                code="mfa_not_enrolled",
            )
        code = str(request.data.get("otp", "") if hasattr(request.data, "get") else "").strip()
        if not code:
            raise exceptions.AuthenticationFailed(
                _("Tài khoản này cần xác thực hai lớp: gửi thêm mã 6 chữ số của ứng dụng xác thực trong trường otp."),
                code="mfa_required",
            )
        result = mfa.check_code(request=request._request, device=device, code=code)
        if result.throttled:
            raise CodeThrottled(result.wait_seconds)
        if not result.accepted:
            raise exceptions.AuthenticationFailed(_("Mã xác thực không đúng hoặc đã hết hạn."), code="mfa_invalid")


class LogoutView(ApiMixin, knox_views.LogoutView):
    authentication_classes = [TokenAuthentication]
    # Whoever holds a token may revoke it, whatever their role (ApiMixin's HrWrites would refuse leaders).
    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(summary=_("Hủy token đang dùng"), request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(ApiMixin, knox_views.LogoutAllView):
    authentication_classes = [TokenAuthentication]
    # Whoever holds a token may revoke it, whatever their role (ApiMixin's HrWrites would refuse leaders).
    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(summary=_("Hủy mọi token của tài khoản"), request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


# ---------------------------------------------------------------------------------------------
# Schema and documentation (login required; assets served by the app from drf-spectacular-sidecar)


class LoginRedirectMixin:
    """Send a browser that is not logged in to the login page instead of answering 401."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SchemaView(SpectacularAPIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


class SwaggerView(LoginRedirectMixin, SpectacularSwaggerSplitView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"


# ReDoc styles itself with inline <style> elements and renders in a blob: worker; the site-wide policy
# allows neither, so this one page (login required, no user data) relaxes exactly those two.
@method_decorator(
    csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}),
    name="dispatch",
)
class RedocView(LoginRedirectMixin, SpectacularRedocView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    url_name = "api:schema"
    template_name = "api/redoc.html"
