"""Error reports without personal data: what an error e-mail or log may say about the request that failed.

Django's ``SafeExceptionReporterFilter`` already hides settings with secret-looking names and the POST
fields a view marks with ``sensitive_post_parameters``. Forms here carry names, birth dates and citizen
IDs, so with DEBUG off every POST value is hidden, not only the marked ones; the field names stay, which
is what a developer needs to reproduce the error. The exception's message may quote a value too (a
database's "Key (citizen_id)=(001085001234) already exists"): 12-digit runs are masked in it.
"""

import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from accounts.privacy import mask_citizen_id

CITIZEN_ID_RUN = re.compile(r"(?<!\d)\d{12}(?!\d)")


def mask_citizen_ids_in(text: str) -> str:
    """Return ``text`` with every run of exactly 12 digits (a citizen ID) masked."""
    return CITIZEN_ID_RUN.sub(lambda match: mask_citizen_id(match.group()), text)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's safe filter that, with DEBUG off, also hides the value of every POST field."""

    def get_post_parameters(self, request):
        """Return the request's POST fields with every value replaced (DEBUG off), else Django's answer."""
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)


class PrivateExceptionReporter(ExceptionReporter):
    """Django's reporter that, with DEBUG off, masks citizen IDs quoted in the exception's message."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.filter.is_active(self.request) and data.get("exception_value"):
            data["exception_value"] = mask_citizen_ids_in(str(data["exception_value"]))
        return data
