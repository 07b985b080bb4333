"""City-scale benchmark: seed a Hanoi-sized database, then time the engine, the pages and the imports.

Run ``make bench`` (or ``python -m bench --help``). Scale 1.0 is the city: 250,000 persons in about
700 units, 2.5 million training records. The modules:

- ``bench.seed``: loading the synthetic data (``synthetic.city``, ``synthetic.city_rows``: seeded RNG, plain
  Python) with PostgreSQL COPY, or row inserts on other databases;
- ``bench.database``: the benchmark's own PostgreSQL database (dropped and recreated, never another);
- ``bench.engine``: the compliance engine over every unit, one year and five years;
- ``bench.load``: gunicorn and the concurrent users; query counts of each page;
- ``bench.importing``: spreadsheet imports of 50,000 rows, CSV and XLSX;
- ``bench.report``: the table of figures against their targets, and ``bench-results/latest.json``.
"""
