"""The reorganisation pages (sắp xếp đơn vị, organisation-history.md section 7): load a plan, see its preview,
apply it, undo it. Admins only; every rule is in ``personnel.reorganisation``."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role, role_of
from hr.forms import ReorganisationForm
from personnel.models import Reorganisation, ReorganisationStatus
from personnel.reorganisation import (
    Plan,
    ReorganisationRefused,
    apply_saved,
    check_plan,
    save_plan,
    undo_reorganisation,
)

LISTED = 100


def admin_required(view):
    """Let in a logged-in admin; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) != Role.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@admin_required
def reorganisation_list(request):
    """List the reorganisations, newest first."""
    records = Reorganisation.objects.select_related("created_by", "applied_by", "undone_by")[:LISTED]
    return render(request, "personnel/reorg_list.html", {"records": records})


@admin_required
def reorganisation_new(request):
    """Load a plan: the form, then its preview; a plan with no problem is stored, waiting to be applied."""
    form = ReorganisationForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid() and form.plan is not None:
        preview = check_plan(form.plan)
        if preview.ok:
            record = save_plan(plan=form.plan, user=request.user)
            return redirect("reorg:detail", pk=record.pk)
    return render(request, "personnel/reorg_form.html", {"form": form, "preview": preview})


@admin_required
def reorganisation_detail(request, pk):
    """Show a reorganisation: its preview while waiting, what it did once applied."""
    record = get_object_or_404(Reorganisation.objects.select_related("created_by", "applied_by", "undone_by"), pk=pk)
    plan = Plan.from_json(record.plan)
    preview = check_plan(plan) if record.status == ReorganisationStatus.PREVIEWED else None
    effects = record.effects or {}
    context = {
        "record": record,
        "plan": plan,
        "preview": preview,
        "moved": len(effects.get("moves", [])),
        "summary": effects.get("summary", []),
    }
    return render(request, "personnel/reorg_detail.html", context)


@require_POST
@admin_required
def reorganisation_apply(request, pk):
    """Apply a previewed reorganisation, all or nothing."""
    record = get_object_or_404(Reorganisation, pk=pk)
    try:
        apply_saved(record=record, user=request.user)
    except ReorganisationRefused as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã áp dụng đợt sắp xếp «%(name)s».") % {"name": record.name})
    return redirect("reorg:detail", pk=record.pk)


@require_POST
@admin_required
def reorganisation_undo(request, pk):
    """Undo an applied reorganisation, refused when people's assignments changed since."""
    record = get_object_or_404(Reorganisation, pk=pk)
    try:
        undo_reorganisation(record=record, user=request.user)
    except ReorganisationRefused as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã hoàn tác đợt sắp xếp «%(name)s».") % {"name": record.name})
    return redirect("reorg:detail", pk=record.pk)
