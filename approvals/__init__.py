"""Closing 2021–2025 (issue #13): year-end sign-off of each unit's figures, locked years, the final report.

- ``models``: ``YearApproval`` (programme, unit, year, status, frozen figures in both views, persons counted),
  ``ApprovalStep`` (who, when, what, why, figures as they stood), ``BulkApproval`` (audit of a bulk action),
  ``LockException`` / ``ExceptionUse`` (a year opened for corrections until a moment; each write it let in).
- ``rules``: who approves (the unit's leader), accepts (the parent's leader, then the city), returns and opens
  a year (a higher level); ``services``: the writes (keyword-only, audited to ``hanoi.audit``), frozen with the
  engine (``freeze``: one ``evaluate_tree`` per view; ``bulk_approve``: one per view for all years, bulk_create).
- ``locks``: THE rule of approved years (``check_writable``, ``check_stretch_writable``, ``locked_for``,
  ``LockIndex`` for many rows, ``YearLocked`` with code ``year_locked``) and the model signals that guard every
  ``save()``/``delete()``; ``imports``: the import check, row by row.
- ``selectors``: frozen reports, "now vs approved" (``compare``), ``approved_report(s)`` for the command and the
  API; ``overlay``: the receiver of ``reports.signals.figures_loaded`` (dashboard, exports, print show the
  frozen figures of approved years, marked); ``final_report``: the programme's final report (page and XLSX).
- ``views``/``urls`` (/phe-duyet/), ``api.approvals`` (/api/v1/approvals/), commands ``approve`` and ``return_year``.

Hooks outside this app: ``reports/freshness/reading.py`` (end of ``load_figures`` sends ``figures_loaded``),
``reports/views.py`` (``heading``'s approved line), ``reports/exports.py`` (``Heading.approved``),
``reports/templates/reports/dashboard.html`` and ``print.html`` (the approved mark, a link),
``approvals/management/commands/compliance.py`` (``approved``),
``exchange/resources/base.py`` (end of ``TemplateResource.check``), ``api/views.py`` (409 ``year_locked``,
compliance ``approved``), ``api/bulk.py``, ``api/serializers.py`` (schema), ``api/urls.py``,
``training/upsert.py`` (``upsert_records`` sends ``records_writing``), ``personnel/services.py`` (``save_person``
sends ``person_saving``), ``hr/forms.py`` (``PersonChildForm.refuse_locked``), ``hr/views.py`` (delete refused),
``config/settings.py``, ``config/urls.py``. Command ``compliance``: a unit's figures, frozen where approved.
"""
