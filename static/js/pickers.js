// Long lists you can type into: every <select> with many options (units, courses…) becomes a Tom Select
// whose search ignores accents and case like the person search (core/text.py: đ = d).
(function () {
  "use strict";
  var MANY = 15;

  function fold(text) {
    return String(text || "")
      .replace(/đ/g, "d")
      .replace(/Đ/g, "D")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/\s+/g, " ")
      .trim()
      .toLowerCase();
  }

  function score(search) {
    var words = fold(search).split(" ").filter(Boolean);
    return function (item) {
      var text = item.folded || (item.folded = fold(item.text + " " + item.value));
      for (var i = 0; i < words.length; i++) {
        if (text.indexOf(words[i]) < 0) return 0;
      }
      return 1;
    };
  }

  function enhance(select) {
    if (select.tomselect || select.hasAttribute("data-no-search")) return;
    // A multiple select becomes a picker only when it asks for one (data-search): chips with a remove button.
    if (select.multiple && !select.hasAttribute("data-search")) return;
    if (!select.hasAttribute("data-search") && select.options.length < MANY) return;
    var emptyOption = select.querySelector('option[value=""]');
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    var name = label ? label.textContent.trim() : select.getAttribute("aria-label") || "";
    // Tom Select points the label at its own input: the hidden select keeps its name for assistive technology.
    if (name) select.setAttribute("aria-label", name);
    new window.TomSelect(select, {
      score: score,
      sortField: [{ field: "$order" }],
      maxOptions: null,
      allowEmptyOption: !select.multiple,
      plugins: select.multiple ? ["remove_button"] : [],
      placeholder: emptyOption ? emptyOption.textContent : "",
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = document.documentElement.lang === "en" ? "Nothing found" : "Không tìm thấy";
          return div;
        },
      },
      onInitialize: function () {
        if (name) this.control_input.setAttribute("aria-label", name);
      },
    });
  }

  function init(root) {
    if (!window.TomSelect) return;
    (root || document).querySelectorAll("select").forEach(enhance);
  }
  window.enhancePickers = init;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
