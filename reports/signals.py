"""Signals of the figures that the apps above reports take part in, so reports needs not know them.

``figures_loaded`` is sent by ``reports.freshness.load_figures`` with the ``figures`` it read (a ``Figures``: the
chosen year's and the trend's) and the ``view``, before any page, export or print shows them; receivers change them
in place (``approvals.overlay``: approved years show their frozen figures, and ``figures.approvals`` and
``figures.approval`` say who approved them).
"""

from django.dispatch import Signal

figures_loaded = Signal()
