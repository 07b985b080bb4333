// Small progressive enhancements; the pages work without them. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  // A table wider than the screen scrolls inside its frame, which says so (and takes the keyboard focus).
  const hint = document.documentElement.lang === "en" ? "Scroll sideways to see the whole table →" : "Kéo ngang để xem hết bảng →";
  const markScrollable = () => {
    document.querySelectorAll(".table-wrap").forEach((wrap) => {
      const wide = wrap.scrollWidth > wrap.clientWidth + 1;
      const tall = wrap.scrollHeight > wrap.clientHeight + 1;
      const label = wrap.previousElementSibling;
      const hasHint = label && label.classList.contains("scroll-hint");
      if (wide && !hasHint) {
        const p = document.createElement("p");
        p.className = "scroll-hint no-print";
        p.textContent = hint;
        wrap.before(p);
      } else if (!wide && hasHint) {
        label.remove();
      }
      if (wide || tall) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (wrap.querySelector("caption") || {}).textContent || hint);
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  };
  markScrollable();
  window.addEventListener("resize", markScrollable);
  document.body.addEventListener("htmx:afterSwap", markScrollable);
  document.querySelectorAll("[data-print]").forEach((el) => {
    el.addEventListener("click", () => window.print());
  });
});
