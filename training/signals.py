"""Signals of training writes that the apps above training take part in, so training needs not know them.

``records_writing`` is sent by ``training.services.record_class`` before its bulk writes (which send no model
signals): with ``person_ids`` and ``dates`` (the day each record counts from, as stored or as written), ``user``
and ``what`` (the course code). A receiver may refuse the write by raising ``ValidationError`` (``approvals``:
no record of an approved year).
"""

from django.dispatch import Signal

records_writing = Signal()
