"""The admins' screens of the product: units, job positions and the programme editor (``/quan-tri/``).

Screens only: every rule and write is in the domain apps (``personnel.services``, ``personnel.job_positions``,
``targets.editor``), called with keyword-only arguments.
"""
