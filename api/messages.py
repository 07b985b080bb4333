"""Vietnamese messages for django-rest-framework's own errors.

DRF ships an incomplete Vietnamese catalogue ("This field is required." stays English), so the API
gives its field and request errors Vietnamese source strings here, wrapped in gettext like every
other message of the product: the project's catalogue gives them in English when the caller sends
``Accept-Language: en``. Model validation errors come from Django (``full_clean``) and are already
translated in both languages.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, fields, filters, pagination, relations, serializers

MUST_BE_AT_MOST = _("Giá trị phải nhỏ hơn hoặc bằng {max_value}.")
MUST_BE_AT_LEAST = _("Giá trị phải lớn hơn hoặc bằng {min_value}.")
TOO_LONG_STRING = _("Chuỗi số quá dài.")
NOT_A_LIST = _("Cần một danh sách nhưng nhận được kiểu “{input_type}”.")
EMPTY_LIST = _("Danh sách không được để trống.")
REQUIRED = _("Trường này là bắt buộc.")

FIELD_MESSAGES = {
    fields.Field: {"required": REQUIRED, "null": _("Trường này không được để trống (null).")},
    fields.BooleanField: {"invalid": _("Cần giá trị đúng/sai (true/false).")},
    fields.CharField: {
        "invalid": _("Cần một chuỗi ký tự."),
        "blank": _("Trường này không được để trống."),
        "max_length": _("Không được dài quá {max_length} ký tự."),
        "min_length": _("Phải có ít nhất {min_length} ký tự."),
    },
    fields.IntegerField: {
        "invalid": _("Cần một số nguyên."),
        "max_value": MUST_BE_AT_MOST,
        "min_value": MUST_BE_AT_LEAST,
        "max_string_length": TOO_LONG_STRING,
    },
    fields.FloatField: {
        "invalid": _("Cần một số."),
        "max_value": MUST_BE_AT_MOST,
        "min_value": MUST_BE_AT_LEAST,
        "max_string_length": TOO_LONG_STRING,
        "overflow": _("Số quá lớn."),
    },
    fields.DecimalField: {
        "invalid": _("Cần một số."),
        "max_value": MUST_BE_AT_MOST,
        "min_value": MUST_BE_AT_LEAST,
        "max_digits": _("Không được có quá {max_digits} chữ số."),
        "max_decimal_places": _("Không được có quá {max_decimal_places} chữ số thập phân."),
        "max_whole_digits": _("Không được có quá {max_whole_digits} chữ số phần nguyên."),
        "max_string_length": TOO_LONG_STRING,
    },
    fields.DateField: {
        "invalid": _("Ngày không đúng định dạng, cần yyyy-mm-dd."),
        "datetime": _("Cần một ngày, không phải ngày giờ."),
    },
    fields.DateTimeField: {
        "invalid": _("Ngày giờ không đúng định dạng, cần {format}."),
        "date": _("Cần ngày giờ, không phải chỉ ngày."),
        "make_aware": _("Ngày giờ không hợp lệ ở múi giờ “{timezone}”."),
        "overflow": _("Ngày giờ ngoài phạm vi cho phép."),
    },
    fields.ChoiceField: {"invalid_choice": _("“{input}” không phải là mã hợp lệ.")},
    fields.MultipleChoiceField: {
        "invalid_choice": _("“{input}” không phải là mã hợp lệ."),
        "not_a_list": NOT_A_LIST,
        "empty": EMPTY_LIST,
    },
    fields.ListField: {
        "not_a_list": NOT_A_LIST,
        "empty": EMPTY_LIST,
        "min_length": _("Danh sách phải có ít nhất {min_length} phần tử."),
        "max_length": _("Danh sách không được có quá {max_length} phần tử."),
    },
    fields.DictField: {
        "not_a_dict": _("Cần một đối tượng (dictionary) nhưng nhận được kiểu “{input_type}”."),
        "empty": _("Đối tượng không được để trống."),
    },
    fields.JSONField: {"invalid": _("Giá trị phải là JSON hợp lệ.")},
    serializers.Serializer: {"invalid": _("Dữ liệu không hợp lệ: cần một đối tượng, nhận được {datatype}.")},
    serializers.ListSerializer: {
        "not_a_list": NOT_A_LIST,
        "empty": EMPTY_LIST,
        "min_length": _("Danh sách phải có ít nhất {min_length} phần tử."),
        "max_length": _("Danh sách không được có quá {max_length} phần tử."),
    },
    relations.ManyRelatedField: {"not_a_list": NOT_A_LIST, "empty": EMPTY_LIST},
    relations.SlugRelatedField: {
        "does_not_exist": _("Không tìm thấy mã “{value}”."),
        "invalid": _("Giá trị không hợp lệ."),
    },
    relations.PrimaryKeyRelatedField: {
        "required": REQUIRED,
        "does_not_exist": _("Không tìm thấy mã “{pk_value}”."),
        "incorrect_type": _("Sai kiểu dữ liệu: cần một mã, nhận được {data_type}."),
    },
}

EXCEPTION_DETAILS = {
    exceptions.APIException: _("Lỗi máy chủ."),
    exceptions.ValidationError: _("Dữ liệu không hợp lệ."),
    exceptions.ParseError: _("Yêu cầu sai định dạng."),
    exceptions.AuthenticationFailed: _("Thông tin xác thực không đúng."),
    exceptions.NotAuthenticated: _("Chưa đăng nhập: cần phiên đăng nhập hoặc token."),
    exceptions.PermissionDenied: _("Bạn không có quyền thực hiện thao tác này."),
    exceptions.NotFound: _("Không tìm thấy."),
    exceptions.MethodNotAllowed: _("Không hỗ trợ phương thức “{method}”."),
    exceptions.NotAcceptable: _("Không đáp ứng được tiêu đề Accept của yêu cầu."),
    exceptions.UnsupportedMediaType: _("Không hỗ trợ kiểu dữ liệu “{media_type}”."),
    exceptions.Throttled: _("Quá nhiều yêu cầu, hãy thử lại sau."),
}


def use_vietnamese_messages() -> None:
    """Give DRF's field errors, request errors and pagination errors Vietnamese source strings."""
    for cls, messages in FIELD_MESSAGES.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    for cls, detail in EXCEPTION_DETAILS.items():
        cls.default_detail = detail
    pagination.PageNumberPagination.invalid_page_message = _("Trang không hợp lệ.")
    filters.OrderingFilter.ordering_description = _(
        "Sắp xếp theo trường này (thêm dấu - phía trước để giảm dần; nhiều trường cách nhau bởi dấu phẩy)."
    )
