"""The import pages: upload a unit's spreadsheet, see the preview, confirm, follow the load, undo it.

Only users with the import permission (``exchange.add_importbatch``: admins) see these pages. Every rule
lives in ``exchange.services`` (and ``exchange.undo``); the views read forms, call a service, and show
what it returns. Each page runs a fixed number of queries whatever the file's size: a batch's rows are
shown a page at a time, their counts come from one aggregate.
"""

import math
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db.models import Count
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.access import record_access
from accounts.models import AccessAction
from accounts.privacy import mask_citizen_id, sees_full_citizen_id
from accounts.scoping import scope_unit

from . import jobs, spreadsheets
from .models import ImportBatch, ImportKind, ImportRow, ImportStatus
from .resources import RESOURCES
from .services import (
    ImportRefused,
    RowStatus,
    can_cancel,
    can_import,
    cancel_batch,
    confirm_batch,
    importer_scope,
    record_oversized,
    request_undo,
    submit_file,
    visible_batches,
)
from .tables import TableError, read_table

ROWS_PER_PAGE = 100
BATCHES_PER_PAGE = 50
FORMATS = {"xlsx": spreadsheets.XLSX_TYPE, "csv": "text/csv; charset=utf-8"}


def importer_required(view):
    """Let in a logged-in user with the import permission; others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _batch(request, pk: int) -> ImportBatch:
    return get_object_or_404(visible_batches(request.user).defer(None).defer("content"), pk=pk)


def _kind(kind: str) -> str:
    if kind not in RESOURCES:
        raise Http404
    return kind


@dataclass
class KindInfo:
    code: str
    label: str
    order: int
    columns: list[tuple[str, bool, str]]


def kinds() -> list[KindInfo]:
    """Return the six templates in import order, with their columns (header, required, meaning)."""
    found = []
    for order, (code, label) in enumerate(ImportKind.choices, start=1):
        resource = RESOURCES[code]
        required = {resource.fields[name].column_name for name in resource.required}
        columns = [
            (header, header in required, spreadsheets.GUIDE[code].get(header, ""))
            for header in resource.column_names().values()
        ]
        found.append(KindInfo(code, str(label), order, columns))
    return found


# ---------------------------------------------------------------------------------------------
# Home, upload


@importer_required
def import_home(request):
    """Show the six templates (upload, download) and the latest batches."""
    recent = list(visible_batches(request.user)[:10])
    return render(request, "exchange/import_home.html", {"kinds": kinds(), "recent": recent})


class SizeLimitedUpload(FileUploadHandler):
    """Stop reading an upload past the size limit, so an oversized file never fills memory or disk."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.too_large, self.size, self.name = limit, False, 0, ""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.size = content_length or 0

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.name = file_name or ""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)  # the rest of the body is read and dropped
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # checked below, once the size limit is in place (the CSRF check reads the request body)
@importer_required
def upload(request, kind: str):
    """Show a template's upload form; on POST, store the file and queue its preview."""
    kind = _kind(kind)
    if request.method == "POST":
        limit = SizeLimitedUpload(request, settings.IMPORT_MAX_FILE_SIZE)
        request.upload_handlers.insert(0, limit)
        return _receive(request, kind, limit)
    return _upload_page(request, kind)


def _upload_page(request, kind: str, error: str = "", status: int = 200):
    info = next(item for item in kinds() if item.code == kind)
    context = {"kind": info, "error": error, "max_size": settings.IMPORT_MAX_FILE_SIZE}
    return render(request, "exchange/upload.html", context, status=status)


@csrf_protect
def _receive(request, kind: str, limit: SizeLimitedUpload):
    upload_file = request.FILES.get("file")
    if limit.too_large:
        batch = record_oversized(
            kind=kind, file_name=limit.name, size=limit.size, user=request.user, language=get_language()
        )
        return redirect("exchange:batch_detail", pk=batch.pk)
    if upload_file is None:
        return _upload_page(request, kind, _("Hãy chọn một tệp CSV hoặc XLSX."), status=400)
    if upload_file.size > settings.IMPORT_MAX_FILE_SIZE:
        batch = record_oversized(
            kind=kind, file_name=upload_file.name, size=upload_file.size, user=request.user, language=get_language()
        )
        return redirect("exchange:batch_detail", pk=batch.pk)
    batch = submit_file(
        kind=kind, file_name=upload_file.name, content=upload_file.read(), user=request.user, language=get_language()
    )
    return redirect("exchange:batch_detail", pk=batch.pk)


@importer_required
def template_download(request, kind: str, fmt: str):
    """Return a template to fill: XLSX (example row, drop-down lists, guide) or CSV (headers)."""
    kind = _kind(kind)
    if fmt not in FORMATS:
        raise Http404
    if fmt == "xlsx":
        unit = scope_unit(request.user)
        content = spreadsheets.template_workbook(kind, unit_code=unit.code if unit else "")
    else:
        content = spreadsheets.template_csv(kind)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}.{fmt}"'
    return response


# ---------------------------------------------------------------------------------------------
# Batches


@dataclass
class Pager:
    number: int
    pages: int
    total: int

    def url(self, params: QueryDict, number: int) -> str:
        params = params.copy()
        params["trang"] = str(number)
        return f"?{params.urlencode()}"


def _pager(request, total: int, per_page: int) -> Pager:
    try:
        number = max(1, int(request.GET.get("trang", 1)))
    except ValueError:
        number = 1
    pages = max(1, math.ceil(total / per_page))
    return Pager(min(number, pages), pages, total)


@importer_required
def batch_list(request):
    """List the batches the user may see, newest first."""
    batches = visible_batches(request.user)
    pager = _pager(request, batches.count(), BATCHES_PER_PAGE)
    start = (pager.number - 1) * BATCHES_PER_PAGE
    rows = list(batches[start : start + BATCHES_PER_PAGE])
    context = {"batches": rows, "pager": pager, **_page_links(request, pager)}
    return render(request, "exchange/batch_list.html", context)


def _page_links(request, pager: Pager) -> dict:
    return {
        "prev_url": pager.url(request.GET, pager.number - 1) if pager.number > 1 else "",
        "next_url": pager.url(request.GET, pager.number + 1) if pager.number < pager.pages else "",
    }


STATUS_FILTER = "trang-thai"


def mask_citizen_ids(user, rows: list[ImportRow], file_errors: list) -> list:
    """Mask the citizen IDs in the rows' errors and changes, and in the file's errors, unless ``user`` sees them.

    The role is read only when a citizen ID is on the page (most files hold none). Returns the file errors to show.
    """
    full = None

    def shown(column, value):
        nonlocal full
        if value in (None, "") or not spreadsheets.is_citizen_id_column(column):
            return value
        if full is None:
            full = sees_full_citizen_id(user)
        return value if full else mask_citizen_id(str(value))

    for row in rows:
        row.errors = [[column, shown(column, value), reason] for column, value, reason in row.errors]
        row.changes = [[column, shown(column, before), shown(column, after)] for column, before, after in row.changes]
    return [[line, column, shown(column, value), reason] for line, column, value, reason in file_errors or []]


NEW_ROW_CELLS_SECONDS = 600


def attach_new_row_cells(user, batch: ImportBatch, rows: list[ImportRow]) -> None:
    """Give each new row of the page its cells as in the file (``row.cells``: [(column, value)]), for the preview.

    The file is kept until it is loaded; its rows are read once per page shown (cached ten minutes).
    Citizen IDs are masked unless the user sees them in full.
    """
    new_lines = [row.line for row in rows if row.status == RowStatus.NEW]
    if not new_lines or batch.status != ImportStatus.PREVIEWED:
        return
    key = f"exchange:new-row-cells:{batch.pk}:{batch.finished_at}:{new_lines[0]}:{new_lines[-1]}:{len(new_lines)}"
    cells = cache.get(key)
    if cells is None:
        if not batch.content:  # read only now: a page drawn from the cache does not load the file
            return
        try:
            table = read_table(batch.file_name, bytes(batch.content))
        except TableError:
            return
        wanted = set(new_lines)
        cells = {
            line: [(str(header), value) for header, value in zip(table.headers, values, strict=False)]
            for line, values in zip(table.lines, table.rows, strict=True)
            if line in wanted
        }
        cache.set(key, cells, NEW_ROW_CELLS_SECONDS)
    full = None
    for row in rows:
        if row.status != RowStatus.NEW:
            continue
        shown = []
        for column, value in cells.get(row.line, []):
            if value in (None, ""):
                continue
            if spreadsheets.is_citizen_id_column(column):
                full = sees_full_citizen_id(user) if full is None else full
                value = value if full else mask_citizen_id(str(value))
            shown.append((column, value))
        row.cells = shown


@importer_required
def batch_detail(request, pk: int):
    """Show a batch: its progress while a job runs, then every row's status, changes and errors."""
    batch = _batch(request, pk)
    if batch.is_active:
        jobs.ensure_worker()  # a worker may have died with the process that ran it
    counts = dict.fromkeys(RowStatus.values, 0)
    if not batch.is_active:
        by_status = ImportRow.objects.filter(batch=batch).values("status").annotate(n=Count("id"))
        counts.update(by_status.values_list("status", "n"))
    chosen = request.GET.get(STATUS_FILTER, "")
    if chosen not in counts:
        chosen = RowStatus.ERROR if counts[RowStatus.ERROR] else ""
    total = counts[chosen] if chosen else sum(counts.values())
    pager = _pager(request, total, ROWS_PER_PAGE)
    rows = []
    if total and not batch.is_active:
        rows_query = ImportRow.objects.filter(batch=batch).order_by("line")
        if chosen:
            rows_query = rows_query.filter(status=chosen)
        start = (pager.number - 1) * ROWS_PER_PAGE
        rows = list(rows_query[start : start + ROWS_PER_PAGE])
    file_errors = mask_citizen_ids(request.user, rows, batch.file_errors)
    attach_new_row_cells(request.user, batch, rows)
    is_owner = batch.user_id == request.user.pk
    context = {
        "batch": batch,
        "file_errors": file_errors,
        "counts": counts,
        "total_rows": sum(counts.values()),
        "filters": [(status, label, counts[status]) for status, label in RowStatus.choices],
        "chosen": chosen,
        "rows": rows,
        "pager": pager,
        "status_filter": STATUS_FILTER,
        "can_confirm": is_owner and batch.status == ImportStatus.PREVIEWED and not batch.is_active,
        "can_cancel": (is_owner or importer_scope(request.user) is None) and can_cancel(batch),
        "can_undo": batch.status == ImportStatus.APPLIED and not batch.is_active,
        "can_download_errors": batch.status == ImportStatus.REJECTED and counts[RowStatus.ERROR] > 0,
        **_page_links(request, pager),
    }
    return render(request, "exchange/batch_detail.html", context)


@importer_required
def batch_progress(request, pk: int):
    """Return a running batch's progress (polled by htmx); once its job is over, have the page reload."""
    batch = _batch(request, pk)
    if not request.htmx:
        return redirect("exchange:batch_detail", pk=pk)
    if not batch.is_active:
        return HttpResponseClientRefresh()
    jobs.ensure_worker()
    return render(request, "exchange/_progress.html", {"batch": batch})


@require_POST
@importer_required
def confirm(request, pk: int):
    """Queue the load of a previewed file."""
    batch = _batch(request, pk)
    try:
        confirm_batch(batch=batch, user=request.user)
    except ImportRefused as refused:
        messages.error(request, refused.message)
    return redirect("exchange:batch_detail", pk=pk)


@require_POST
@importer_required
def cancel(request, pk: int):
    """Cancel a batch: a file not yet written (its job stops, writes nothing), or a waiting or running undo."""
    batch = _batch(request, pk)
    try:
        cancel_batch(batch=batch, user=request.user)
        messages.success(request, _("Đã hủy lần nhập; không có dữ liệu nào được ghi."))
    except ImportRefused as refused:
        messages.error(request, refused.message)
    return redirect("exchange:batch_detail", pk=pk)


@importer_required
def undo(request, pk: int):
    """Ask before undoing an applied load; on POST, queue the undo (the batch page shows how it ends)."""
    batch = _batch(request, pk)
    if batch.status != ImportStatus.APPLIED:
        messages.error(request, _("Lần nhập này không còn hoàn tác được."))
        return redirect("exchange:batch_detail", pk=pk)
    if request.method == "POST":
        try:
            request_undo(batch=batch, user=request.user)
        except ImportRefused as refused:
            messages.error(request, refused.message)
        return redirect("exchange:batch_detail", pk=pk)
    return render(request, "exchange/undo.html", {"batch": batch})


@importer_required
def error_download(request, pk: int):
    """Return the failed rows of a refused file, as sent, with the reason of each."""
    batch = get_object_or_404(visible_batches(request.user).defer(None), pk=pk)
    if batch.status != ImportStatus.REJECTED or not batch.content:
        raise Http404
    content = spreadsheets.failed_rows_workbook(batch, full_citizen_id=sees_full_citizen_id(request.user))
    name = f"dong-loi-lan-nhap-{batch.pk}.xlsx"
    record_access(user=request.user, action=AccessAction.FAILED_ROWS, target=name, request=request)
    response = HttpResponse(content, content_type=spreadsheets.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
