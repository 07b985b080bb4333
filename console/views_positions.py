"""Job positions (vị trí việc làm, admins): the catalogue and the training each position requires."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.views_users import admin_required
from personnel.job_positions import JobPosition, save_position

from .forms import JobPositionForm, RequirementFormSet
from .views_programmes import _errors_to_form


@admin_required
def position_list(request):
    """List the job positions with how many course types each requires and how many assignments name it."""
    positions = JobPosition.objects.annotate(
        course_count=Count("required_courses", distinct=True), assignment_count=Count("assignments", distinct=True)
    )
    return render(request, "console/position_list.html", {"positions": positions})


def _position_page(request, position: JobPosition):
    initial = []
    if position.pk is not None:
        initial = [
            {"course_type": r.course_type_id, "every_years": r.every_years} for r in position.required_courses.all()
        ]
    form = JobPositionForm(request.POST or None, instance=position)
    formset = RequirementFormSet(request.POST or None, initial=initial, prefix="courses")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        courses = [
            (row["course_type"], row.get("every_years"))
            for row in formset.cleaned_data
            if row and row.get("course_type")
        ]
        try:
            saved = save_position(by=request.user, position=form.instance, courses=courses)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã lưu vị trí việc làm %(code)s.") % {"code": saved.code})
            return redirect("console:position_list")
    return render(request, "console/position_form.html", {"form": form, "formset": formset, "position": position})


@admin_required
def position_create(request):
    """Add a job position to the catalogue."""
    return _position_page(request, JobPosition())


@admin_required
def position_edit(request, pk):
    """Change a job position and the courses it requires."""
    return _position_page(request, get_object_or_404(JobPosition, pk=pk))
