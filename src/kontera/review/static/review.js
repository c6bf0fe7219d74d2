// Kontera review UI: keyboard navigation, in-place field corrections, small conveniences.
// Hand-written, no dependencies. Every action also works without this script (plain forms).
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

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
  }

  // ---- detail page --------------------------------------------------------------------
  function detailPage() {
    const go = (selector) => {
      const link = document.querySelector(selector);
      if (link) window.location = link.href;
    };
    const firstField = () => document.querySelector("#fields-form input:not([type=hidden]):not([readonly])");

    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
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

    // Approve and reject go by fetch, so a refusal ("choose an account…") is shown here and
    // the person's edits stay in the form; success opens the next document.
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      if (form.id !== "approve-form" && form.id !== "reject-form") return;
      event.preventDefault();
      const response = await post(form.action, new FormData(form));
      if (!response.ok) {
        say(await response.text());
        return;
      }
      window.location = (await response.json()).next;
    });

    // Field corrections are saved in place; the fields and the audit trail are re-rendered.
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      if (form.id !== "fields-form") return;
      event.preventDefault();
      const response = await post(form.action, new FormData(form));
      if (!response.ok) {
        say(await response.text());
        return;
      }
      document.getElementById("fields").innerHTML = await response.text();
      const audit = await fetch(form.action.replace(/\/fields$/, "/audit"), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      if (audit.ok) document.getElementById("audit").innerHTML = await audit.text();
      say("✓");
    });

    // Alternatives fill the account (and VAT code) of their line.
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-fill-account]");
      if (!button) return;
      document.getElementById(button.dataset.fillAccount).value = button.dataset.account;
      const vat = document.getElementById(button.dataset.fillVat);
      if (vat && button.dataset.vat) vat.value = button.dataset.vat;
    });

    // The voucher balance follows the amounts as they are typed.
    const balance = document.getElementById("balance");
    const number = (text) => Number(String(text).replace(/\s/g, "").replace(",", ".")) || 0;
    const format = new Intl.NumberFormat(document.documentElement.lang, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    document.addEventListener("input", (event) => {
      if (!balance || !event.target.classList.contains("amount")) return;
      const net = Array.from(document.querySelectorAll("input.amount"))
        .reduce((sum, el) => sum + number(el.value), 0);
      const diff = net + number(balance.dataset.vat) - number(balance.dataset.credit);
      balance.querySelector("[data-net]").textContent = format.format(net);
      balance.querySelector("[data-diff]").textContent = format.format(diff);
      balance.classList.toggle("ok", Math.abs(diff) < 0.005);
      balance.classList.toggle("off", Math.abs(diff) >= 0.005);
    });

    // Pointing at (or focusing) a field highlights its box on the page.
    const highlight = (event, on) => {
      const field = event.target.closest && event.target.closest(".field[data-path]");
      if (!field) return;
      const box = document.getElementById("box-" + field.dataset.path);
      if (box) box.classList.toggle("hl", on);
    };
    document.addEventListener("mouseover", (e) => highlight(e, true));
    document.addEventListener("mouseout", (e) => highlight(e, false));
    document.addEventListener("focusin", (e) => highlight(e, true));
    document.addEventListener("focusout", (e) => highlight(e, false));
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
