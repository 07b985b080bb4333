"""The programme editor (admins): programmes, their period, their indicators, and a live preview of an
indicator's figures for the city while it is edited. Every write is in ``targets.editor``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.views_users import admin_required
from core.names import localized_name
from targets import editor
from targets.models import Indicator, Programme

from .forms import IndicatorForm, ProgrammeForm, ProgrammePeriodForm


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@admin_required
def programme_list(request):
    """List the programmes, newest first, with how many indicators each has."""
    from django.db.models import Count

    programmes = Programme.objects.annotate(indicator_count=Count("indicators")).order_by("-start_date")
    return render(request, "console/programme_list.html", {"programmes": programmes})


@admin_required
def programme_create(request):
    """Create an empty programme."""
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = editor.create_programme(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã tạo chương trình «%(code)s».") % {"code": programme.code})
            return redirect("console:programme_detail", pk=programme.pk)
    return render(request, "console/programme_form.html", {"form": form, "title": _("Chương trình mới")})


@admin_required
def programme_duplicate(request, pk):
    """Create a programme with a copy of another one's indicators."""
    source = get_object_or_404(Programme, pk=pk)
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = editor.duplicate_programme(by=request.user, source=source, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Đã nhân bản «%(source)s» thành «%(code)s».") % {"source": source.code, "code": programme.code},
            )
            return redirect("console:programme_detail", pk=programme.pk)
    title = _("Nhân bản chương trình %(code)s") % {"code": source.code}
    return render(request, "console/programme_form.html", {"form": form, "title": title, "source": source})


@admin_required
def programme_detail(request, pk):
    """Show a programme's indicators and change its names and period."""
    programme = get_object_or_404(Programme, pk=pk)
    initial = {
        "name": programme.name,
        "name_en": programme.name_en,
        "start_date": programme.start_date,
        "end_date": programme.end_date,
    }
    form = ProgrammePeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            editor.update_programme(by=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã lưu chương trình «%(code)s».") % {"code": programme.code})
            return redirect("console:programme_detail", pk=programme.pk)
    indicators = programme.indicators.order_by("order", "code")
    context = {"programme": programme, "form": form, "indicators": indicators, "name": localized_name(programme)}
    return render(request, "console/programme_detail.html", context)


def _indicator_page(request, programme, indicator):
    form = IndicatorForm(request.POST or None, instance=indicator, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            saved = editor.save_indicator(by=request.user, indicator=form.instance)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã lưu chỉ tiêu «%(code)s».") % {"code": saved.code})
            return redirect("console:programme_detail", pk=programme.pk)
    context = {"programme": programme, "form": form, "indicator": indicator if indicator.pk else None}
    return render(request, "console/indicator_form.html", context)


@admin_required
def indicator_create(request, pk):
    """Add an indicator to a programme."""
    programme = get_object_or_404(Programme, pk=pk)
    return _indicator_page(request, programme, Indicator(programme=programme))


@admin_required
def indicator_edit(request, pk, indicator_pk):
    """Change an indicator of a programme."""
    programme = get_object_or_404(Programme, pk=pk)
    indicator = get_object_or_404(Indicator, pk=indicator_pk, programme=programme)
    return _indicator_page(request, programme, indicator)


@require_POST
@admin_required
def indicator_delete(request, pk, indicator_pk):
    """Delete an indicator of a programme."""
    programme = get_object_or_404(Programme, pk=pk)
    indicator = get_object_or_404(Indicator, pk=indicator_pk, programme=programme)
    editor.delete_indicator(by=request.user, indicator=indicator)
    messages.success(request, _("Đã xóa chỉ tiêu «%(code)s».") % {"code": indicator.code})
    return redirect("console:programme_detail", pk=programme.pk)


@require_POST
@admin_required
def indicator_preview(request, pk):
    """Return the figures for the city of the indicator being edited (an htmx fragment; nothing is written)."""
    programme = get_object_or_404(Programme, pk=pk)
    form = IndicatorForm(request.POST, instance=Indicator(programme=programme), programme=programme)
    context = {"programme": programme, "form": form}
    if form.is_valid():
        indicator = form.instance
        indicator.code = indicator.code or "PREVIEW"
        errors = editor.indicator_errors(indicator)
        errors.pop("code", None)  # a code taken by the indicator being edited is no reason not to preview
        if errors:
            context["problems"] = [m for messages_ in errors.values() for m in messages_]
        else:
            context["year"], context["at"], context["result"] = editor.preview(programme, indicator)
    else:
        context["problems"] = [m for messages_ in form.errors.values() for m in messages_]
    return render(request, "console/_indicator_preview.html", context)
