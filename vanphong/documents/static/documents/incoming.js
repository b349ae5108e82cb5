// Incoming documents: keyboard-friendly sender picker, Ctrl+Enter, secret-document rules, focus.
(function () {
  "use strict";

  // ---- sender picker: type, arrow keys, Enter; options come from htmx (sender_search) ----
  function pickerOf(el) { return el && el.closest ? el.closest("[data-sender-picker]") : null; }
  function listOf(picker) { return picker.querySelector("[data-picker-options]"); }
  function textOf(picker) { return picker.querySelector("[data-picker-text]"); }
  function valueOf(picker) { return picker.querySelector("[data-picker-value]"); }
  function optionsOf(picker) { return Array.from(listOf(picker).querySelectorAll("[role=option]")); }

  function setActive(picker, index) {
    const opts = optionsOf(picker);
    const text = textOf(picker);
    opts.forEach(function (opt, i) {
      opt.classList.toggle("active", i === index);
      opt.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (opts[index]) {
      text.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    } else {
      text.removeAttribute("aria-activedescendant");
    }
    picker.dataset.active = String(index);
  }

  function openList(picker) {
    const list = listOf(picker);
    if (!picker.hasAttribute("data-create")) {
      list.querySelectorAll("[data-action=add]").forEach(function (el) { el.remove(); });
    }
    const has = list.children.length > 0;
    list.hidden = !has;
    textOf(picker).setAttribute("aria-expanded", has ? "true" : "false");
    setActive(picker, optionsOf(picker).length ? 0 : -1);
  }

  function closeList(picker) {
    const list = listOf(picker);
    list.hidden = true;
    list.innerHTML = "";
    textOf(picker).setAttribute("aria-expanded", "false");
    textOf(picker).removeAttribute("aria-activedescendant");
    picker.dataset.active = "-1";
  }

  function focusNext(picker) {
    const next = picker.dataset.next && document.getElementById(picker.dataset.next);
    if (next) { next.focus(); }
  }

  function select(picker, id, label) {
    const value = valueOf(picker);
    const changed = value.value !== String(id);
    value.value = id;
    textOf(picker).value = label;
    textOf(picker).classList.remove("is-invalid");
    picker.dataset.chosen = label;
    closeList(picker);
    if (changed) { value.dispatchEvent(new Event("change", { bubbles: true })); }
    focusNext(picker);
  }

  function openCreate(query) {
    const box = document.getElementById("sender-create-box");
    if (!box) { return; }
    box.hidden = false;
    const name = box.querySelector("[name=full_name]");
    if (name) {
      if (query && !name.value) { name.value = query; }
      name.focus();
    }
  }

  function choose(picker, option) {
    if (option.dataset.action === "add") {
      closeList(picker);
      openCreate(option.dataset.q || "");
      return;
    }
    select(picker, option.dataset.id, option.dataset.label);
  }

  document.addEventListener("keydown", function (event) {
    const text = event.target;
    if (!text.matches || !text.matches("[data-picker-text]")) { return; }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { return; } // Ctrl+Enter submits
    const picker = pickerOf(text);
    const opts = optionsOf(picker);
    const active = parseInt(picker.dataset.active || "-1", 10);
    const open = !listOf(picker).hidden && opts.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) { setActive(picker, Math.min(active + 1, opts.length - 1)); }
      else if (text.value.trim()) { htmx.trigger(text, "vp:search"); }
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (open) { setActive(picker, Math.max(active - 1, 0)); }
    } else if (event.key === "Enter") {
      event.preventDefault(); // never submit the whole form from the picker
      if (open) { choose(picker, opts[Math.max(active, 0)]); }
      else if (valueOf(picker).value) { focusNext(picker); }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); closeList(picker); }
    }
  });

  document.addEventListener("input", function (event) {
    const text = event.target;
    if (!text.matches || !text.matches("[data-picker-text]")) { return; }
    const picker = pickerOf(text);
    const value = valueOf(picker);
    if (text.value !== (picker.dataset.chosen || "") && value.value) {
      value.value = "";
      picker.dataset.chosen = "";
      if (!text.value.trim()) { value.dispatchEvent(new Event("change", { bubbles: true })); }
    }
    if (!text.value.trim()) { closeList(picker); }
  });

  document.addEventListener("mousedown", function (event) {
    const option = event.target.closest && event.target.closest("[data-picker-options] [role=option]");
    if (option) { event.preventDefault(); } // keep focus in the text box
  });

  document.addEventListener("click", function (event) {
    const option = event.target.closest && event.target.closest("[data-picker-options] [role=option]");
    if (option) { choose(pickerOf(option), option); }
    const cancel = event.target.closest && event.target.closest("[data-sender-create-cancel]");
    if (cancel) {
      const box = document.getElementById("sender-create-box");
      if (box) { box.hidden = true; }
      const picker = document.querySelector("[data-sender-picker][data-create]");
      if (picker) { textOf(picker).focus(); }
    }
    const opener = event.target.closest && event.target.closest("[data-sender-create-open]");
    if (opener) {
      const picker = document.querySelector("[data-sender-picker][data-create]");
      openCreate(picker && !valueOf(picker).value ? textOf(picker).value.trim() : "");
    }
  });

  document.addEventListener("focusout", function (event) {
    const picker = pickerOf(event.target);
    if (picker && !picker.contains(event.relatedTarget)) {
      window.setTimeout(function () { if (!picker.contains(document.activeElement)) { closeList(picker); } }, 150);
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target && target.matches && target.matches("[data-picker-options]")) {
      openList(pickerOf(target));
    }
  });

  // A sender added on the spot is selected at once (HX-Trigger from sender_create).
  document.body.addEventListener("vp:sender-created", function (event) {
    const picker = document.querySelector("[data-sender-picker][data-create]");
    if (picker && event.detail) { select(picker, event.detail.id, event.detail.label); }
  });

  // ---- Ctrl+Enter submits with the button marked data-ctrl-enter ----
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
    const form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (!form) { return; }
    const button = form.querySelector("[data-ctrl-enter]");
    if (!button) { return; }
    event.preventDefault();
    form.requestSubmit(button);
  });

  // ---- phones: the filters beyond the text search fold away ----
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-toggle-filters]");
    if (!button) { return; }
    const target = document.getElementById(button.getAttribute("data-toggle-filters"));
    if (!target) { return; }
    const open = target.classList.toggle("show");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // ---- file inputs: show the chosen names in Vietnamese next to the "Chọn tệp…" button ----
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!input.matches || !input.matches(".vp-file input[type=file]")) { return; }
    const names = Array.from(input.files || []).map(function (f) { return f.name; });
    const out = input.parentElement.querySelector("[data-file-names]");
    if (out) { out.textContent = names.length ? names.join(", ") : "Chưa chọn tệp nào"; }
  });

  // ---- secret documents on a connected network: no content fields, no files ----
  function applySecrecy(form) {
    const select = form.querySelector("select[name=secrecy]");
    if (!select) { return; }
    const withheld = parseInt(select.value || "0", 10) > 0;
    form.querySelectorAll("[data-content-field]").forEach(function (block) {
      block.hidden = withheld;
      block.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = withheld; });
    });
    form.querySelectorAll("[data-secret-note]").forEach(function (note) { note.hidden = !withheld; });
  }

  document.addEventListener("change", function (event) {
    const form = event.target.form;
    if (form && form.hasAttribute("data-withhold-secret") && event.target.name === "secrecy") {
      applySecrecy(form);
    }
  });

  function init() {
    document.querySelectorAll("form[data-withhold-secret]").forEach(applySecrecy);
    const invalid = document.querySelector("form[data-focus-invalid] .is-invalid:not([type=hidden])");
    const duplicate = document.getElementById("duplicate-panel");
    if (invalid) {
      invalid.focus();
    } else if (duplicate) {
      duplicate.scrollIntoView({ block: "center" });
      duplicate.focus({ preventScroll: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
