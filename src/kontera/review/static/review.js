// Kontera review UI: keyboard navigation, in-place corrections, posting lines, pickers,
// upload. Hand-written, no dependencies. Every action also works without this script
// (plain forms), except adding and splitting posting lines.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const lang = document.documentElement.lang || "nb";

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "X-Requested-With": "fetch" },
      body: body,
    });
  }

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  function showHelp() {
    const dialog = document.getElementById("help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function say(message) {
    let live = document.getElementById("live");
    if (!live) {
      live = document.createElement("p");
      live.id = "live";
      live.className = "alert";
      live.tabIndex = -1;
      live.setAttribute("role", "status");
      document.getElementById("main").prepend(live);
    }
    live.textContent = message;
    live.scrollIntoView({ block: "nearest" });
  }

  // ---- amounts as people write them -----------------------------------------------------
  // "1 234,56", "1.234,56", "1,234.56", "−75" → cents (an integer), or null.
  function cents(text) {
    let t = String(text || "").trim().replace(/[−–]/g, "-").replace(/[\s\u00a0\u202f']/g, "");
    if (!t) return null;
    const comma = t.lastIndexOf(","), dot = t.lastIndexOf(".");
    if (comma >= 0 && dot >= 0) {
      const mark = comma > dot ? "," : ".";
      t = t.split(mark === "," ? "." : ",").join("").replace(mark, ".");
    } else if (comma >= 0) {
      t = t.split(",").length === 2 ? t.replace(",", ".") : t.split(",").join("");
    } else if (t.split(".").length > 2) {
      t = t.split(".").join("");
    }
    if (!/^[+-]?\d+(\.\d+)?$/.test(t)) return null;
    return Math.round(Number(t) * 100);
  }
  const amountFormat = new Intl.NumberFormat(lang === "en" ? "en-GB" : "nb-NO", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const shown = (c) => amountFormat.format(c / 100).replace(/[\u00a0\u202f]/g, " ");

  // ---- queue page ---------------------------------------------------------------------
  function queuePage() {
    const rows = Array.from(document.querySelectorAll("tr.row"));
    let at = -1;

    function select(index) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach((row, i) => row.classList.toggle("selected", i === at));
      const link = rows[at].querySelector("a");
      if (link) link.focus();
      rows[at].scrollIntoView({ block: "nearest" });
    }

    async function decide(action) {
      const row = rows[at];
      if (!row || row.dataset.reviewable !== "1") return;
      const base = `/c/${row.dataset.company}/d/${row.dataset.id}/${action}`;
      const body = new URLSearchParams();
      if (action === "reject") {
        const reason = window.prompt(row.closest("table").dataset.rejectPrompt || "Reason?");
        if (reason === null) return;
        body.set("reason", reason);
      }
      const response = await post(base, body);
      if (response.ok) {
        row.dataset.reviewable = "0";
        row.classList.add("done", action);
        say(`${row.querySelector("a").textContent}: ${action === "approve" ? "✓" : "✗"}`);
        select(at + 1);
      } else {
        say(await response.text());
      }
    }

    rows.forEach((row, i) => row.addEventListener("focusin", () => {
      at = i;
      rows.forEach((r, j) => r.classList.toggle("selected", j === i));
    }));

    document.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      const actions = {
        j: () => select(at + 1),
        k: () => select(at - 1),
        Enter: () => at >= 0 && (window.location = rows[at].dataset.href),
        a: () => decide("approve"),
        r: () => decide("reject"),
        e: () => at >= 0 && (window.location = rows[at].dataset.href + "#edit"),
        "?": showHelp,
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    uploads();
  }

  // ---- upload: drop several files on the queue, or choose them ----------------------------
  function uploads() {
    const form = document.getElementById("upload-form");
    if (!form) return;
    const input = form.querySelector('input[type="file"]');
    const results = form.querySelector("[data-upload-results]");
    async function send() {
      if (!input.files.length) return;
      const response = await post(form.action, new FormData(form));
      if (!response.ok) {
        say(await response.text());
        return;
      }
      const summary = await response.json();
      const params = new URLSearchParams({ uploaded: summary.uploaded, again: summary.again });
      results.replaceChildren(...summary.refused.map((r) => {
        const li = document.createElement("li");
        li.textContent = `${r.name}: ${r.error}`;
        return li;
      }));
      if (!summary.refused.length) window.location = "/?" + params.toString();
    }
    form.addEventListener("dragover", (event) => {
      event.preventDefault();
      form.classList.add("dragging");
    });
    form.addEventListener("dragleave", () => form.classList.remove("dragging"));
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      form.classList.remove("dragging");
      input.files = event.dataTransfer.files;
      send();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send();
    });
  }

  // ---- detail page --------------------------------------------------------------------
  function detailPage() {
    const main = document.getElementById("main");
    let leaving = false;
    let saved = {};

    // What the page held when it was drawn: an edit is a difference from it.
    function values(form) {
      const out = {};
      if (!form) return out;
      form.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((el, i) => {
        out[(el.name || el.dataset.name || "") + "#" + i] = el.value;
      });
      out["#lines"] = form.querySelectorAll("[data-line]").length;
      return out;
    }
    const snapshot = () => {
      saved = {
        fields: JSON.stringify(values(document.getElementById("fields-form"))),
        postings: JSON.stringify(values(document.getElementById("approve-form"))),
      };
    };
    const changed = (which, id) => JSON.stringify(values(document.getElementById(id))) !== saved[which];
    const dirty = () => changed("fields", "fields-form") || changed("postings", "approve-form");

    // Leaving with edits not saved asks first (Esc twice, j/k, a link, closing the tab).
    let lastEdited = null;
    document.addEventListener("input", (event) => { lastEdited = event.target; });
    function leave(url) {
      if (!url) return;
      if (!dirty()) {
        leaving = true;
        window.location = url;
        return;
      }
      const dialog = document.getElementById("discard");
      dialog.dataset.url = url;
      dialog.showModal();
      dialog.querySelector("[data-stay]").focus();
    }
    document.addEventListener("click", (event) => {
      const stay = event.target.closest("#discard [data-stay]");
      const go = event.target.closest("#discard [data-leave]");
      if (stay || go) {
        const dialog = document.getElementById("discard");
        dialog.close();
        if (go) {
          leaving = true;
          window.location = dialog.dataset.url;
        } else if (lastEdited && lastEdited.isConnected) {
          lastEdited.focus();
        } else {
          document.activeElement.blur();
        }
        return;
      }
      const link = event.target.closest("a[href]");
      if (!link || link.hasAttribute("download") || link.target || event.defaultPrevented) return;
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      if (dirty()) {
        event.preventDefault();
        leave(link.href);
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (!leaving && dirty()) event.preventDefault();
    });

    const go = (selector) => {
      const link = document.querySelector(selector);
      if (link) leave(link.href);
    };
    const firstField = () => document.querySelector(
      "#fields-form input:not([type=hidden]):not([readonly]), #fields-form select:not([disabled])");

    document.addEventListener("keydown", (event) => {
      const inDialog = event.target.closest && event.target.closest("dialog");
      if (inDialog && inDialog.open) return;
      if (event.altKey && lineKeys(event)) return;
      if (event.key === "Escape") {
        // The key's own default would close the "unsaved changes" dialog it opens.
        event.preventDefault();
        if (typing(event)) event.target.blur();
        else go("[data-back]");
        return;
      }
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      const approveForm = document.getElementById("approve-form");
      const actions = {
        j: () => go("[data-next]"),
        k: () => go("[data-prev]"),
        a: () => document.getElementById("approve") && approveForm.requestSubmit(),
        r: () => document.getElementById("reason") && document.getElementById("reason").focus(),
        e: () => firstField() && firstField().focus(),
        "?": showHelp,
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });

    if (window.location.hash === "#edit" && firstField()) firstField().focus();

    // The page as the server draws it now, put in place of this one. Posting lines a person
    // is editing stay as they are.
    function redraw(html, keepPostings) {
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
      if (!fresh) return;
      const postings = document.getElementById("postings");
      const freshPostings = fresh.querySelector("#postings");
      if (keepPostings && postings && freshPostings) freshPostings.replaceWith(postings);
      main.replaceChildren(...fresh.childNodes);
      snapshot();
      if (keepPostings) saved.postings = "";
    }

    // Approve and reject go by fetch, so a refusal ("choose an account…") is shown here and
    // the person's edits stay in the form; success opens the next document.
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      if (form.id !== "approve-form" && form.id !== "reject-form") return;
      event.preventDefault();
      renumber();
      const response = await post(form.action, new FormData(form));
      if (!response.ok) {
        say(await response.text());
        return;
      }
      leaving = true;
      window.location = (await response.json()).next;
    });

    // Field corrections are saved in place; everything derived from them (status, warnings,
    // suggestion, audit trail) is drawn again. A refused value is shown at its field.
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      if (form.id !== "fields-form") return;
      event.preventDefault();
      const postingsEdited = changed("postings", "approve-form");
      const response = await post(form.action, new FormData(form));
      const html = await response.text();
      if (response.status === 422) {
        const fresh = new DOMParser().parseFromString(html, "text/html");
        const fields = fresh.getElementById("fields");
        if (fields) {
          document.getElementById("fields").replaceWith(fields);
          const wrong = document.querySelector("#fields [aria-invalid=true]");
          if (wrong) wrong.focus();
          return;
        }
      }
      if (!response.ok) {
        say(html);
        return;
      }
      redraw(html, postingsEdited);
      say("✓");
    });

    // Notes and page turns are saved by fetch too, without losing unsaved edits.
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      const note = form.id === "notes-form";
      if (!note && !form.hasAttribute("data-keep-edits")) return;
      event.preventDefault();
      const response = await post(form.action, new FormData(form));
      const html = await response.text();
      if (!response.ok) {
        say(html);
        return;
      }
      if (note) {
        document.getElementById("notes").innerHTML = html;
        return;
      }
      const figure = form.closest("figure");
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(figure.id);
      if (fresh) figure.replaceWith(fresh);
    });

    // Alternatives fill the account (and VAT code) of their line.
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-alt-account]");
      if (!button) return;
      const line = button.closest("[data-line]");
      line.querySelector('[data-name="account"]').value = button.dataset.altAccount;
      line.querySelector('[data-name="account"] ~ [data-picked-name]').textContent = "";
      if (button.dataset.altVat) line.querySelector('[data-name="vat_code"]').value = button.dataset.altVat;
    });

    // ---- posting lines: add, remove, split --------------------------------------------
    const lineTemplate = () => document.getElementById("line-template");
    const lineOf = (el) => el && el.closest && el.closest("[data-line]");
    const field = (line, name) => line.querySelector(`[data-name="${name}"]`);

    function renumber() {
      const lines = Array.from(document.querySelectorAll("#approve-form [data-line]"));
      lines.forEach((line, i) => {
        line.querySelectorAll("[data-name]").forEach((el) => {
          el.name = `${el.dataset.name}_${i}`;
          if (el.type !== "hidden") el.id = `${el.dataset.name}_${i}`;
        });
        line.querySelectorAll("label[data-for]").forEach((label) => {
          label.htmlFor = `${label.dataset.for}_${i}`;
        });
      });
      const count = document.querySelector("[data-line-count]");
      if (count) count.value = lines.length;
      updateBalance();
    }

    function newLine(after, values) {
      const line = lineTemplate().content.firstElementChild.cloneNode(true);
      Object.entries(values || {}).forEach(([name, value]) => {
        const el = field(line, name);
        if (el) el.value = value;
      });
      if (after) after.after(line);
      else document.querySelector("#approve-form table.lines").append(line);
      renumber();
      return line;
    }

    function removeLine(line) {
      const lines = document.querySelectorAll("#approve-form [data-line]");
      const next = line.nextElementSibling || line.previousElementSibling;
      if (lines.length <= 1) {
        line.querySelectorAll("input:not([type=hidden])").forEach((el) => { el.value = ""; });
      } else {
        line.remove();
      }
      renumber();
      const target = lineOf(next) || document.querySelector("#approve-form [data-line]");
      if (target) field(target, "account").focus();
    }

    document.addEventListener("click", (event) => {
      if (event.target.closest("[data-add-line]")) {
        field(newLine(null), "account").focus();
      } else if (event.target.closest("[data-remove]")) {
        removeLine(lineOf(event.target));
      } else if (event.target.closest("[data-split]")) {
        openSplit(lineOf(event.target));
      }
    });

    function lineKeys(event) {
      const line = lineOf(event.target);
      if (!line || !document.getElementById("line-template")) return false;
      const key = event.key.toLowerCase();
      if (key === "n") field(newLine(line), "account").focus();
      else if (key === "s") openSplit(line);
      else if (key === "delete" || key === "backspace") removeLine(line);
      else return false;
      event.preventDefault();
      return true;
    }

    // Split: shares as "40 %" or an amount; the last part takes what is left.
    let splitting = null;
    function partRow(account, vat, share) {
      const tr = document.createElement("tr");
      const dialog = document.getElementById("split-dialog");
      const picker = (kind) =>
        lineTemplate().content.querySelector(`[data-name="${kind}"]`).dataset.picker;
      tr.innerHTML =
        '<td class="picker-cell"><input data-part="account" size="6" autocomplete="off"><span data-picked-name></span></td>' +
        '<td class="picker-cell"><input data-part="vat_code" size="4" autocomplete="off"><span data-picked-name></span></td>' +
        '<td><input data-part="share" size="12" inputmode="decimal"></td>';
      const [a, v, s] = tr.querySelectorAll("input");
      a.value = account || "";
      a.dataset.picker = picker("account");
      v.value = vat || "";
      v.dataset.picker = picker("vat_code");
      s.value = share || "";
      s.placeholder = dialog.dataset.percentHint;
      [a, v, s].forEach((el, i) => el.setAttribute("aria-label",
        dialog.querySelectorAll("thead th")[i].textContent));
      return tr;
    }
    function openSplit(line) {
      const dialog = document.getElementById("split-dialog");
      if (!dialog || !line) return;
      splitting = line;
      const total = cents(field(line, "amount").value) || 0;
      dialog.querySelector("[data-split-source]").textContent =
        `${field(line, "account").value} · ${shown(total)}`;
      const parts = dialog.querySelector("[data-parts]");
      const account = field(line, "account").value, vat = field(line, "vat_code").value;
      parts.replaceChildren(partRow(account, vat, "50 %"), partRow("", vat, ""));
      dialog.querySelector("[data-split-problem]").hidden = true;
      dialog.showModal();
      parts.querySelectorAll("input")[3].focus();
    }
    function shares(total, rows) {
      const amounts = [];
      let used = 0;
      for (let i = 0; i < rows.length; i++) {
        const text = rows[i].querySelector('[data-part="share"]').value.trim();
        let part;
        if (i === rows.length - 1 && !text) part = total - used;
        else if (text.endsWith("%")) part = Math.round((total * (cents(text.slice(0, -1)) || 0)) / 10000);
        else part = cents(text);
        if (part === null || (total >= 0 ? part < 0 : part > 0)) return null;
        amounts.push(part);
        used += part;
      }
      return used === total ? amounts : null;
    }
    document.addEventListener("click", (event) => {
      if (event.target.closest("[data-add-part]")) {
        const parts = document.querySelector("#split-dialog [data-parts]");
        const vat = field(splitting, "vat_code").value;
        parts.append(partRow("", vat, ""));
        parts.lastElementChild.querySelector("input").focus();
      }
    });
    document.addEventListener("submit", (event) => {
      const dialogForm = event.target.closest("#split-dialog form");
      if (!dialogForm || !splitting) return;
      if (event.submitter && event.submitter.value !== "split") return;
      const dialog = document.getElementById("split-dialog");
      const rows = Array.from(dialog.querySelectorAll("[data-parts] tr"));
      const total = cents(field(splitting, "amount").value) || 0;
      const amounts = shares(total, rows);
      if (!amounts) {
        event.preventDefault();
        dialog.querySelector("[data-split-problem]").hidden = false;
        return;
      }
      const description = field(splitting, "description").value;
      const index = field(splitting, "line_index").value;
      // Each part keeps the line's department, project and cost centre; change them after.
      const dimensions = {};
      splitting.querySelectorAll('select[data-name^="dim_"]').forEach((el) => {
        dimensions[el.dataset.name] = el.value;
      });
      let after = splitting;
      rows.forEach((row, i) => {
        const value = (name) => row.querySelector(`[data-part="${name}"]`).value.trim();
        const values = {
          account: value("account"), vat_code: value("vat_code"), amount: shown(amounts[i]),
          description: description, line_index: index, ...dimensions,
        };
        after = newLine(after, values);
      });
      splitting.remove();
      splitting = null;
      renumber();
      // After the dialog has closed (closing gives the focus back to where it was).
      const next = field(lineOf(after), "account");
      setTimeout(() => next.focus(), 0);
    });

    // ---- account and VAT-code pickers: search the company's chart by number or name ----
    function pickerFor(input) {
      if (input.picker) return;
      input.picker = true;
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      const list = document.createElement("ul");
      list.className = "picker-list";
      list.setAttribute("role", "listbox");
      list.id = `list-${Math.random().toString(36).slice(2)}`;
      list.hidden = true;
      input.setAttribute("aria-controls", list.id);
      input.after(list);
      const name = input.parentElement.querySelector("[data-picked-name]");
      let items = [], active = -1, timer = null, asked = 0;

      function draw() {
        list.replaceChildren(...items.map((item, i) => {
          const li = document.createElement("li");
          li.id = `${list.id}-${i}`;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", String(i === active));
          li.textContent = `${item.value} ${item.name}`;
          li.addEventListener("mousedown", (event) => {
            event.preventDefault();
            choose(item);
          });
          return li;
        }));
        list.hidden = !items.length;
        input.setAttribute("aria-expanded", String(!list.hidden));
        if (active >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
        else input.removeAttribute("aria-activedescendant");
      }
      function close() {
        items = [];
        active = -1;
        draw();
      }
      function choose(item) {
        input.value = item.value;
        if (name) name.textContent = item.name;
        close();
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      async function search() {
        const ticket = ++asked;
        const url = `${input.dataset.picker}?q=${encodeURIComponent(input.value.trim())}`;
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok || ticket !== asked || document.activeElement !== input) return;
        items = await response.json();
        active = items.length ? 0 : -1;
        draw();
      }
      input.addEventListener("input", () => {
        if (name) name.textContent = "";
        clearTimeout(timer);
        timer = setTimeout(search, 120);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "ArrowDown" && list.hidden) {
          event.preventDefault();
          search();
          return;
        }
        if (list.hidden) return;
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          active = (active + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
          draw();
        } else if (event.key === "Enter" || event.key === "Tab") {
          if (active >= 0) {
            if (event.key === "Enter") event.preventDefault();
            choose(items[active]);
          }
        } else if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          close();
        }
      });
      input.addEventListener("blur", () => setTimeout(close, 150));
    }
    document.addEventListener("focusin", (event) => {
      if (event.target.matches && event.target.matches("input[data-picker]")) pickerFor(event.target);
    });

    // ---- the voucher balance follows the amounts as they are typed ---------------------
    function updateBalance() {
      const balance = document.getElementById("balance");
      if (!balance) return;
      const net = Array.from(document.querySelectorAll("#approve-form input.amount"))
        .reduce((sum, el) => sum + (cents(el.value) || 0), 0);
      const diff = net + (cents(balance.dataset.vat) || 0) - (cents(balance.dataset.credit) || 0);
      balance.querySelector("[data-net]").textContent = shown(net);
      balance.querySelector("[data-diff]").textContent = shown(diff);
      balance.classList.toggle("ok", diff === 0);
      balance.classList.toggle("off", diff !== 0);
    }
    document.addEventListener("input", (event) => {
      if (event.target.classList.contains("amount")) updateBalance();
    });

    // Pointing at (or focusing) a field highlights its box on the page.
    const highlight = (event, on) => {
      const el = event.target.closest && event.target.closest(".field[data-path]");
      if (!el) return;
      const box = document.getElementById("box-" + el.dataset.path);
      if (box) box.classList.toggle("hl", on);
    };
    document.addEventListener("mouseover", (e) => highlight(e, true));
    document.addEventListener("mouseout", (e) => highlight(e, false));
    document.addEventListener("focusin", (e) => highlight(e, true));
    document.addEventListener("focusout", (e) => highlight(e, false));

    snapshot();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-autosubmit]").forEach((el) =>
      el.addEventListener("change", () => el.form.submit()));
    document.querySelectorAll("[data-help]").forEach((el) =>
      el.addEventListener("click", showHelp));
    if (document.body.classList.contains("queue-page")) queuePage();
    if (document.body.classList.contains("detail-page")) detailPage();
    if (!document.body.classList.contains("queue-page") && !document.body.classList.contains("detail-page")) {
      document.addEventListener("keydown", (event) => {
        if (!typing(event) && event.key === "?") showHelp();
      });
    }
  });
})();
