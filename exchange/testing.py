"""Build template files in memory (tests, demos): CSV with a chosen separator and BOM, or XLSX."""

import csv
import datetime
import io


def csv_bytes(rows: list[list], *, delimiter: str = ",", bom: bool = False, encoding: str = "utf-8") -> bytes:
    """Return the rows (header first) as a CSV file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    prefix = "\ufeff" if bom else ""
    return (prefix + buffer.getvalue()).encode(encoding)


def xlsx_bytes(rows: list[list], *, extra_sheets: tuple[str, ...] = ()) -> bytes:
    """Return the rows (header first) as the first sheet of an XLSX file; dates become real date cells."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(line, column, value)
            if isinstance(value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    for title in extra_sheets:
        workbook.create_sheet(title)  # the import reads only the first sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_rows(kind: str, records: list[dict]) -> list[list]:
    """Return [header row, *rows] of a template; each record maps headers to cells (a missing cell is empty)."""
    from .resources import RESOURCES

    headers = list(RESOURCES[kind].column_names().values())
    unknown = {header for record in records for header in record} - set(headers)
    if unknown:
        raise KeyError(f"Not a column of {kind}: {sorted(unknown)}")
    return [headers, *([record.get(header, "") for header in headers] for record in records)]
