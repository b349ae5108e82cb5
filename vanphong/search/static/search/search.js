// Search page: "/" focuses the box, arrow keys move through the results, Enter opens one,
// Escape returns to the box; the form tells the server when the last word is still being typed.
(function () {
  "use strict";
  const form = document.getElementById("search-form");
  if (!form) return;
  const box = document.getElementById("id_q");
  const typing = form.querySelector("[data-search-typing]");

  box.addEventListener("input", function () { typing.value = "1"; });
  form.addEventListener("submit", function () { typing.value = "0"; });
  document.querySelectorAll("[data-save-search]").forEach(function (save) {
    save.addEventListener("submit", function () {
      new FormData(form).forEach(function (value, key) {
        if (key === "dang_go" || !value) return;
        const input = document.createElement("input");
        input.type = "hidden"; input.name = key; input.value = value;
        save.appendChild(input);
      });
    });
  });

  function hits() { return Array.from(document.querySelectorAll("[data-search-hit]")); }

  document.addEventListener("keydown", function (event) {
    const active = document.activeElement;
    const inField = active && (active.tagName === "INPUT" || active.tagName === "SELECT" || active.tagName === "TEXTAREA");
    if (event.key === "/" && !inField) {
      event.preventDefault(); box.focus(); box.select(); return;
    }
    const list = hits();
    if (!list.length) return;
    const index = list.indexOf(active);
    if (event.key === "ArrowDown" && (active === box || index >= 0)) {
      event.preventDefault(); list[Math.min(index + 1, list.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) box.focus(); else list[index - 1].focus();
    } else if (event.key === "Escape" && index >= 0) {
      box.focus();
    }
  });
})();
