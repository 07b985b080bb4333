// Level pickers: a <select data-levels='{"kind": [[level, "label"], …]}' data-kind-field="kind"> offers only
// the named levels of the kind chosen in the form's kind select, and changes with it.
(function () {
  "use strict";
  function wire(select) {
    var levels = JSON.parse(select.getAttribute("data-levels"));
    var kind = select.form && select.form.elements[select.getAttribute("data-kind-field")];
    if (!kind) return;
    kind.addEventListener("change", function () {
      var chosen = select.value;
      var options = levels[kind.value] || [];
      while (select.options.length > 1) select.remove(1);
      options.forEach(function (pair) {
        var option = new Option(pair[1], String(pair[0]));
        option.selected = String(pair[0]) === chosen;
        select.add(option);
      });
    });
  }
  function init() {
    document.querySelectorAll("select[data-levels]").forEach(wire);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
