"""The API's URLs under /api/v1/: resources, compliance, tokens, schema and documentation."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import approvals as approvals_api
from . import planning as planning_api
from . import views

app_name = "api"


class Router(DefaultRouter):
    include_root_view = False


router = Router()
router.register("units", views.UnitViewSet, basename="unit")
router.register("persons", views.PersonViewSet, basename="person")
router.register("qualifications", views.QualificationViewSet, basename="qualification")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("course-types", views.CourseTypeViewSet, basename="course-type")
router.register("courses", views.CourseViewSet, basename="course")
router.register("training-records", views.TrainingRecordViewSet, basename="training-record")
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
planning_api.register(router)  # plans, planned classes, class rosters, nominations (api.planning)

urlpatterns = [
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/units/", views.ComplianceUnitsView.as_view(), name="compliance-units"),
    path("compliance/unmet/", views.ComplianceUnmetView.as_view(), name="compliance-unmet"),
    path("approvals/", approvals_api.ApprovalListView.as_view(), name="approvals"),
    path("approvals/approve/", approvals_api.ApproveView.as_view(), name="approvals-approve"),
    path("approvals/accept/", approvals_api.AcceptView.as_view(), name="approvals-accept"),
    path("approvals/return/", approvals_api.ReturnView.as_view(), name="approvals-return"),
    path("approvals/exceptions/", approvals_api.ExceptionView.as_view(), name="approvals-exceptions"),
    path("approvals/bulk/", approvals_api.BulkView.as_view(), name="approvals-bulk"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(), name="docs"),
    path("redoc/", views.RedocView.as_view(), name="redoc"),
    path("", include(router.urls)),
    re_path(r"", views.not_found),  # anything else under /api/v1/: a JSON 404, not the site's HTML page
]
