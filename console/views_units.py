"""Units (admins): the tree today or at a chosen date with the closed units, their closing dates and successors;
create a unit, rename it, close it with successors. Every write is in ``personnel.services``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.views_users import admin_required
from personnel import services
from personnel.models import OrgUnit, UnitSuccession

from .forms import UnitCloseForm, UnitCreateForm, UnitRenameForm, UnitTreeForm
from .views_programmes import _errors_to_form

INDENT = "\u00a0\u00a0\u00a0\u00a0"


def tree_order(units: list[OrgUnit]) -> list[tuple[OrgUnit, int]]:
    """Return (unit, depth) in tree order, siblings by code; a unit whose parent is not shown starts a tree."""
    shown = {u.pk for u in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in shown else None, []).append(unit)
    ordered = []
    stack = [(unit, 0) for unit in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    return ordered


@admin_required
def unit_tree(request):
    """Show the tree of units open on a date (today by default) and the units closed by then (three queries)."""
    form = UnitTreeForm(request.GET or None)
    today = timezone.localdate()
    at = (form.cleaned_data.get("on") if form.is_valid() else None) or today
    units = list(OrgUnit.objects.open_at(at).order_by("code"))
    rows = [{"unit": u, "indent": INDENT * depth} for u, depth in tree_order(units)]
    closed = list(OrgUnit.objects.filter(closed_on__lte=at).order_by("-closed_on", "code"))
    successors: dict[int, list[tuple[OrgUnit, bool]]] = {}
    for link in (
        UnitSuccession.objects.filter(predecessor__in=closed)
        .select_related("successor")
        .order_by("-is_primary", "order")
    ):
        successors.setdefault(link.predecessor_id, []).append((link.successor, link.is_primary))
    closed_rows = [{"unit": u, "successors": successors.get(u.pk, [])} for u in closed]
    context = {"form": form, "at": at, "is_today": at == today, "rows": rows, "closed": closed_rows}
    return render(request, "console/unit_tree.html", context)


@admin_required
def unit_create(request):
    """Create a unit under an open parent."""
    form = UnitCreateForm(request.POST or None, initial={"opened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["parent"] = OrgUnit.objects.get(pk=data["parent"])
        try:
            unit = services.create_unit(by=request.user, **data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã tạo đơn vị %(unit)s.") % {"unit": unit})
            return redirect("console:unit_detail", pk=unit.pk)
    return render(request, "console/unit_form.html", {"form": form, "title": _("Đơn vị mới")})


@admin_required
def unit_detail(request, pk):
    """Show a unit and rename it."""
    unit = get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)
    form = UnitRenameForm(request.POST or None, initial={"name": unit.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_unit(by=request.user, unit=unit, name=form.cleaned_data["name"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã đổi tên đơn vị %(unit)s.") % {"unit": unit})
            return redirect("console:unit_detail", pk=unit.pk)
    links = list(unit.successions.select_related("successor").order_by("-is_primary", "order"))
    context = {"unit": unit, "form": form, "successors": links}
    return render(request, "console/unit_detail.html", context)


@admin_required
def unit_close(request, pk):
    """Close a unit with its successors (one primary), refused while anything of it remains after the date."""
    unit = get_object_or_404(OrgUnit, pk=pk)
    form = UnitCloseForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = OrgUnit.objects.in_bulk([data["primary"], *data["others"]])
        try:
            services.close_unit(
                by=request.user,
                unit=unit,
                closed_on=data["closed_on"],
                primary=chosen[data["primary"]],
                others=[chosen[pk] for pk in data["others"]],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã giải thể đơn vị %(unit)s.") % {"unit": unit})
            return redirect("console:unit_detail", pk=unit.pk)
    return render(request, "console/unit_close.html", {"unit": unit, "form": form})
