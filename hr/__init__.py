"""The HR screens: the personnel pages (a person's record, its qualifications, appointments and training
records, transfers), the course pages and the class recorder, and the reorganisation pages.

They sit above the domain apps they show (``personnel``, ``training``, ``targets``, ``approvals``): the
models, rules and services stay in those apps, and their templates stay under ``personnel/templates`` and
``training/templates`` (URL namespaces ``personnel``, ``training`` and ``reorg`` are unchanged).
"""
