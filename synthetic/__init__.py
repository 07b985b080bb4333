"""Synthetic populations for the demo (``personnel.demo``) and the benchmark (``bench.seed``).

Not a product app: nothing here touches the database. ``hanoi`` holds Hanoi's real units over time and
its reorganisations (read from the MIT-licensed ``vietnamadminunits`` package); ``careers`` turns a
person's first unit and years of employment into their list of assignments through those
reorganisations.
"""
