"""Signals of training writes that the apps above training take part in, so training needs not know them.

``records_writing`` is sent once by ``training.upsert.upsert_records`` (the one bulk write of training records:
the class results, the API's bulk endpoint, the ``ket_qua`` import) before its writes, which send no model
signals, for the records it creates or changes: with ``person_ids`` and ``dates`` (the day each record counts
from, as stored or as written), ``user`` and ``what`` (what is written: a course code, an import). A receiver
may refuse the write by raising ``ValidationError`` (``approvals``: no record of an approved year).
"""

from django.dispatch import Signal

records_writing = Signal()
