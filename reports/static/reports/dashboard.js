// While the figures shown are being recomputed after a change, reload the page a few times to show the new ones.
document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector("[data-refreshing]");
  const key = "reports-reloads:" + location.pathname + location.search;
  if (!status) {
    sessionStorage.removeItem(key);
    return;
  }
  const reloads = Number(sessionStorage.getItem(key) || "0");
  if (reloads >= 6) return; // the refresh is taking long; the reader can reload by hand
  setTimeout(() => {
    sessionStorage.setItem(key, String(reloads + 1));
    location.reload();
  }, 5000);
});
