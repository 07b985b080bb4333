"""Synthetic populations for the demo (``synthetic.demo``, ``seed_demo``) and the benchmark (``bench.seed``).

Not a product app. Shared by both: ``hanoi`` holds Hanoi's real units over time and their reorganisations
(read from the MIT-licensed ``vietnamadminunits`` package); ``careers`` turns a person's first unit and years
of employment into their list of assignments through those reorganisations; ``population`` holds who the
people are (names, provinces of birth, the city's departments, training providers). The benchmark's city of
any size: ``city`` (sizes and vocabulary) and ``city_rows`` (its rows as ``COPY`` text, no database). The
demo: ``demo_catalogue`` (units, courses, roles), ``demo_builder`` and ``demo_people`` (which write the rows
through the ORM, with their history).
"""
