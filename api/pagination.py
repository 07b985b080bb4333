"""Page-number pagination; integrators may ask for bigger pages with ``page_size``."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_query_description = _("Số trang, bắt đầu từ 1.")
    page_size_query_description = _("Số kết quả mỗi trang (mặc định 50, tối đa 1000).")
