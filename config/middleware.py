"""Language choice: Vietnamese unless the user chose English; API clients choose with Accept-Language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageMiddleware(LocaleMiddleware):
    """Pick the language from the user's choice (the language cookie), not from the browser.

    Hanoi's office browsers are often set up in English; the product stays Vietnamese until the user
    switches. Machines calling the API say what they want in Accept-Language, as HTTP intends.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
