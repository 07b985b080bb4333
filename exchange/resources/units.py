"""1. Units — don_vi (data-exchange, section 1)."""

from django.utils.translation import gettext as _
from import_export.fields import Field

from core.codes import normalise_code
from personnel import history
from personnel.choices import UnitLevel
from personnel.models import OrgUnit, UnitSuccession
from personnel.services import rebuild_unit_paths

from .. import cells
from ..bulk import WRITE_BATCH, create_with_history, update_with_history
from ..widgets import ChoiceWidget, CodeListWidget, CodeWidget, DateWidget, NameWidget
from .base import DeferredField, TemplateResource

# ---------------------------------------------------------------------------------------------
# 1. Units — don_vi


class UnitResource(TemplateResource):
    kind = "don_vi"
    key_fields = ("code",)
    required = ("code", "name", "level")
    compared = {"parent": ("_import_parent",), "successors": ("_import_successors",)}
    label_field = "name"

    code = Field(attribute="code", column_name="Mã đơn vị", widget=CodeWidget(40, required=True))
    name = Field(attribute="name", column_name="Tên đơn vị", widget=NameWidget(255))
    parent = DeferredField(attribute="parent", column_name="Mã đơn vị cấp trên", widget=CodeWidget(40))
    level = Field(attribute="level", column_name="Cấp", widget=ChoiceWidget(UnitLevel))
    opened_on = Field(attribute="opened_on", column_name="Ngày thành lập", widget=DateWidget())
    closed_on = Field(attribute="closed_on", column_name="Ngày giải thể", widget=DateWidget())
    successors = DeferredField(attribute="successors", column_name="Đơn vị kế thừa", widget=CodeListWidget())

    class Meta(TemplateResource.Meta):
        model = OrgUnit
        fields = ("code", "name", "parent", "level", "opened_on", "closed_on", "successors")
        import_id_fields = ("code",)

    def prefetch(self, raw):
        units = list(OrgUnit.objects.values(*self.stored_fields()))
        # Codes compare without regard to case (core.codes): every key is the normalised code.
        code_of = {unit["id"]: normalise_code(unit["code"]) for unit in units}
        successors: dict[int, list[str]] = {}
        for link in UnitSuccession.objects.order_by("-is_primary", "order", "pk").values(
            "predecessor_id", "successor_id"
        ):
            successors.setdefault(link["predecessor_id"], []).append(code_of[link["successor_id"]])
        for unit in units:
            unit["_import_parent"] = code_of.get(unit["parent_id"]) or ""
            unit["_import_successors"] = ";".join(successors.get(unit["id"], []))
        self.units = {normalise_code(unit["code"]): unit for unit in units}
        self.existing = {(code,): unit for code, unit in self.units.items()}
        # The tree as it will be after the file: stored parents, replaced by the file's.
        self.parent_of = {code: unit["_import_parent"] for code, unit in self.units.items()}
        self.file_codes = set()
        has_parents = "parent" in raw
        parents = raw["parent"] if has_parents else [""] * len(raw["code"])
        for code, parent in zip(raw["code"], parents, strict=True):
            code = normalise_code(cells.display(code))
            if code:
                self.file_codes.add(code)
                if has_parents or code not in self.parent_of:
                    self.parent_of[code] = normalise_code(cells.display(parent))
        self.in_cycle = self._codes_in_cycles()

    def _codes_in_cycles(self) -> set[str]:
        """Return the units whose chain of parents loops back (a unit under itself)."""
        in_cycle, done = set(), set()
        for start in self.parent_of:
            path, code = [], start
            while code and code not in done and code not in path:
                path.append(code)
                code = self.parent_of.get(code)
            if code in path:
                in_cycle.update(path[path.index(code) :])
            done.update(path)
        return in_cycle

    def check_row(self, index, record):
        self._check_dates(index, record)
        parent = self.value("parent", index)
        if not parent or self.has_error(index, "parent"):
            return
        code = self.value("code", index)
        if parent not in self.units and parent not in self.file_codes:
            self.add_error(index, "parent", _("Không có đơn vị mã «%(code)s».") % {"code": parent})
        elif code in self.in_cycle:
            self.add_error(index, "parent", _("Đơn vị cấp trên tạo thành vòng lặp (một đơn vị nằm dưới chính nó)."))

    def _check_dates(self, index, record):
        """A closing date after the opening date, and successors (known units) for a closed unit."""
        opened_on = self.effective("opened_on", index, record)
        closed_on = self.effective("closed_on", index, record)
        if opened_on and closed_on and closed_on <= opened_on and not self.has_error(index, "closed_on"):
            self.add_error(index, "closed_on", _("Ngày giải thể phải sau ngày thành lập."))
        successors = self.effective_successors(index, record)
        if closed_on and not successors and not self.has_error(index, "successors"):
            self.add_error(
                index,
                "successors",
                _("Đơn vị giải thể cần ít nhất một đơn vị kế thừa (đơn vị kế thừa chính đứng đầu)."),
            )
        code = self.value("code", index)
        for successor in successors:
            if successor == code:
                self.add_error(index, "successors", _("Đơn vị không thể kế thừa chính nó."))
            elif successor not in self.units and successor not in self.file_codes:
                self.add_error(index, "successors", _("Không có đơn vị mã «%(code)s».") % {"code": successor})

    def effective_successors(self, index, record) -> list[str]:
        if "successors" in self.values:
            text = self.values["successors"][index] or ""
        else:
            text = record["_import_successors"] if record is not None else ""
        return [code for code in text.split(";") if code]

    def check_scope(self, index, record):
        if record is not None and not self.in_scope(record["path"]):
            self.add_error(
                index,
                "code",
                _("Đơn vị mã «%(code)s» nằm ngoài phạm vi quản lý của bạn.") % {"code": record["code"]},
            )
            return
        parent = None  # the parent column left out: a stored unit stays where it is, a new one is a root
        if "parent" in self.values:
            if self.has_error(index, "parent"):
                return
            parent = self.values["parent"][index]
        if record is not None and (parent is None or parent == record["_import_parent"]):
            return
        stored_parent = self.units.get(parent or "")
        if stored_parent is not None and self.in_scope(stored_parent["path"]):
            return
        if stored_parent is None and parent in self.file_codes:
            return  # a new unit of the same file, checked on its own row
        self.add_error(index, "parent", _("Chỉ được đặt đơn vị dưới một đơn vị trong phạm vi quản lý của bạn."))

    def new_attributes(self, indexes):
        return [
            {"_import_parent": "", "_import_successors": ""} | attributes
            for attributes in super().new_attributes(indexes)
        ]

    def write(self, created, updated):
        by_code = {code: unit["id"] for code, unit in self.units.items()}
        pending = list(created)
        # Parents first: a unit is inserted once its parent has an id (a parent may come later in the file).
        while pending:
            ready = [u for u in pending if not u._import_parent or by_code.get(u._import_parent) is not None]
            if not ready:
                raise ValueError("Units form a cycle")
            for unit in ready:
                unit.parent_id = by_code[unit._import_parent] if unit._import_parent else None
            create_with_history(OrgUnit, ready, **self.history_options())
            if any(unit.pk is None for unit in ready):
                raise RuntimeError("The database did not return the ids of the new units")
            by_code.update({normalise_code(unit.code): unit.pk for unit in ready})
            pending = [u for u in pending if u.pk is None]
        for unit in updated:
            unit.parent_id = by_code[unit._import_parent] if unit._import_parent else None
        if updated:
            update_with_history(OrgUnit, updated, self.update_fields(updated), **self.history_options())
        rebuild_unit_paths()
        with_successors = [*created, *[u for u in updated if "successors" in u._import_changed]]
        if any(unit._import_successors for unit in with_successors) or any(
            "successors" in u._import_changed or "closed_on" in u._import_changed for u in updated
        ):
            self._write_successors(with_successors, by_code)
            history.refresh_heirs()  # who inherits whom changed

    def _write_successors(self, units: list, by_code: dict[str, int]) -> None:
        """Replace the successors of the units whose column was given: the first code is the primary one."""
        units = [unit for unit in units if "successors" in self.present]
        if not units:
            return
        UnitSuccession.objects.filter(predecessor_id__in=[unit.pk for unit in units]).delete()
        links = [
            UnitSuccession(predecessor_id=unit.pk, successor_id=by_code[code], is_primary=order == 0, order=order)
            for unit in units
            for order, code in enumerate(c for c in (unit._import_successors or "").split(";") if c)
        ]
        UnitSuccession.objects.bulk_create(links, batch_size=WRITE_BATCH)

    def update_fields(self, instances):
        fields = set(super().update_fields(instances)) - {"successors"}
        if any("parent" in unit._import_changed for unit in instances):
            fields.add("parent")
        return sorted(fields)
