"""The signal by which the import workflow asks for a background job, answered by ``exchange.jobs``.

``exchange.services`` marks a batch's job queued (``submit_file``, ``confirm_batch``, ``request_undo``)
and sends ``batch_queued`` in the same transaction; the job runner, which imports the services to run
the job, queues its task in answer (connected in ``ExchangeConfig.ready``). The services so never import
the runner: no import cycle. A batch left queued without a task is queued again by the watchman.
"""

from django.dispatch import Signal

# Sent with ``batch`` (an ``ImportBatch`` whose ``job_state`` was just set to ``queued``).
batch_queued = Signal()
