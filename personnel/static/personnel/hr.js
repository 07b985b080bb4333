// HR screens: the class recorder's person picker. Served by the app; no inline scripts (CSP).
(function () {
  "use strict";

  function codesArea() {
    return document.getElementById("id_codes");
  }

  function codesIn(area) {
    return area.value.split(/[\s,;]+/).filter(Boolean);
  }

  function showCount() {
    const area = codesArea();
    const out = document.getElementById("code-count");
    if (!area || !out) return;
    const count = new Set(codesIn(area)).size;
    out.textContent = count ? (out.dataset.template || "{n}").replace("{n}", count) : "";
  }

  // Buttons of persons already listed show as added.
  function markAdded(root) {
    const area = codesArea();
    if (!area) return;
    const listed = new Set(codesIn(area));
    (root || document).querySelectorAll("[data-add-code]").forEach((button) => {
      if (listed.has(button.dataset.addCode)) {
        button.disabled = true;
        button.textContent = "✓";
      }
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-code]");
    const area = codesArea();
    if (!button || !area) return;
    const codes = codesIn(area);
    if (!codes.includes(button.dataset.addCode)) {
      codes.push(button.dataset.addCode);
      area.value = codes.join("\n") + "\n";
    }
    markAdded();
    showCount();
  });

  document.addEventListener("input", (event) => {
    if (event.target.id === "id_codes") showCount();
  });

  document.addEventListener("htmx:afterSwap", (event) => markAdded(event.target));

  // Filter forms send only the filters that are set, so the address bar stays short and readable.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt.closest("form[data-drop-empty]")) return;
    const parameters = event.detail.parameters;
    for (const name of Object.keys(parameters)) {
      if (parameters[name] === "") delete parameters[name];
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    showCount();
    markAdded();
    // Folded filters stay folded on a phone; a wide screen has room to show them.
    if (window.matchMedia("(min-width: 701px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach((details) => {
        details.open = true;
      });
    }
  });
})();
