/* The forms of 我的月记实 and 季度小结 (issue 4, item 2): "a draft is never lost".
 *
 * - Task rows are added and removed in the browser (a Django formset: rows are renumbered, TOTAL_FORMS kept).
 * - What is typed is copied to sessionStorage; a page that loads with an unsaved copy newer than the stored
 *   version offers to restore it. The copy is dropped once a save succeeds.
 * - Saving goes through fetch with redirect "manual" and the header X-Zhibu-Fetch: the server answers a
 *   successful save with {"location": ...}, so a redirect can only come from the login check. A redirect or a
 *   CSRF failure (403: the cookies are gone) opens a password dialog; the script logs in with fetch (and, for a
 *   user with a two-step device, asks for the code and sends it to the verify page), reads the CSRF cookie again
 *   (Django rotates it at login) and sends the same form data again. Any other answer (errors,
 *   the conflict screen) replaces the page's <main>, as a normal form post would.
 */
(function () {
  "use strict";

  const COPY_PREFIX = "zhibu-draft:";
  const SKIPPED_IN_COPY = new Set(["csrfmiddlewaretoken", "action"]);

  function cookie(name) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function setupTaskRows(form) {
    const body = form.querySelector("[data-task-rows]");
    const template = form.querySelector("template[data-task-template]");
    if (!body || !template) {
      return null;
    }
    const prefix = body.dataset.taskRows;
    const total = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const indexed = new RegExp(`^${prefix}-(\\d+|__prefix__)-`);

    function renumber() {
      const rows = body.querySelectorAll("[data-task-row]");
      rows.forEach((row, index) => {
        row.querySelectorAll("[name], [id], [for]").forEach((el) => {
          for (const attr of ["name", "id", "for"]) {
            const value = el.getAttribute(attr);
            if (value) {
              el.setAttribute(attr, value.replace(indexed, `${prefix}-${index}-`));
            }
          }
        });
        const number = row.querySelector("[data-task-number]");
        if (number) {
          number.textContent = String(index + 1);
        }
      });
      total.value = String(rows.length);
    }

    function add() {
      body.appendChild(template.content.cloneNode(true));
      renumber();
      return body.lastElementChild;
    }

    function setCount(count) {
      body.querySelectorAll("[data-task-row]").forEach((row) => row.remove());
      for (let i = 0; i < count; i += 1) {
        add();
      }
    }

    form.addEventListener("click", (event) => {
      if (event.target.closest("[data-add-task]")) {
        const row = add();
        row.querySelector("input")?.focus();
        form.dispatchEvent(new Event("input", { bubbles: true }));
      }
      const remove = event.target.closest("[data-remove-task]");
      if (remove) {
        remove.closest("[data-task-row]").remove();
        if (!body.querySelector("[data-task-row]")) {
          add();
        }
        renumber();
        form.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    return { prefix, setCount };
  }

  function setupForm(form) {
    const key = COPY_PREFIX + form.dataset.keepDraft;
    const savedAt = Number(form.dataset.savedAt || 0);
    const tasks = setupTaskRows(form);
    const failed = form.querySelector("[data-save-failed]");
    let pending = null;

    function snapshot() {
      return Array.from(new FormData(form))
        .filter(([name]) => !SKIPPED_IN_COPY.has(name))
        .map(([name, value]) => [name, String(value)]);
    }

    function keepCopy() {
      try {
        sessionStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: snapshot() }));
      } catch (error) {
        // Storage full or disabled: the form itself still holds the text.
      }
    }

    function restore(fields) {
      if (tasks) {
        const rows = new Set();
        for (const [name] of fields) {
          const match = name.match(new RegExp(`^${tasks.prefix}-(\\d+)-`));
          if (match) {
            rows.add(match[1]);
          }
        }
        tasks.setCount(Math.max(rows.size, 1));
      }
      for (const [name, value] of fields) {
        const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
        if (field && !name.endsWith("-TOTAL_FORMS")) {
          field.value = value;
        }
      }
    }

    function offerRestore() {
      let copy = null;
      try {
        copy = JSON.parse(sessionStorage.getItem(key) || "null");
      } catch (error) {
        copy = null;
      }
      if (!copy || !Array.isArray(copy.fields)) {
        return;
      }
      if (copy.at <= savedAt) {
        // The stored version is newer than anything kept here.
        sessionStorage.removeItem(key);
        return;
      }
      // The version is left out: after a conflict the page names the newer stored version, and the form
      // already holds the text.
      const text = (fields) => JSON.stringify(fields.filter(([name]) => name !== "version"));
      if (text(copy.fields) === text(snapshot())) {
        return;
      }
      const banner = form.querySelector("[data-draft-restore]");
      if (!banner) {
        return;
      }
      banner.querySelector("[data-draft-time]").textContent = new Date(copy.at).toLocaleString("zh-CN");
      banner.hidden = false;
      banner.querySelector("[data-draft-apply]").addEventListener("click", () => {
        restore(copy.fields);
        banner.hidden = true;
        keepCopy();
      });
      banner.querySelector("[data-draft-discard]").addEventListener("click", () => {
        sessionStorage.removeItem(key);
        banner.hidden = true;
      });
    }

    function busy(on) {
      form.querySelectorAll("button[type=submit]").forEach((button) => {
        button.disabled = on;
      });
    }

    function showFailure(detail) {
      busy(false);
      if (failed) {
        failed.querySelector("[data-save-failed-detail]").textContent = detail;
        failed.hidden = false;
        failed.scrollIntoView({ block: "center" });
      }
    }

    function replaceMain(html) {
      const doc = new DOMParser().parseFromString(html, "text/html");
      const main = doc.querySelector("main");
      if (!main) {
        return false;
      }
      document.querySelector("main").replaceWith(document.adoptNode(main));
      document.title = doc.title;
      const headers = doc.body.getAttribute("hx-headers");
      if (headers) {
        document.body.setAttribute("hx-headers", headers);
      }
      window.scrollTo(0, 0);
      init(main);
      return true;
    }

    async function send(data, afterLogin) {
      const token = cookie("csrftoken");
      if (token) {
        data.set("csrfmiddlewaretoken", token);
      }
      let response;
      try {
        // Not form.action: the submit buttons are named "action" and would shadow it.
        response = await fetch(form.getAttribute("action") || window.location.href, {
          method: "POST",
          body: data,
          redirect: "manual",
          credentials: "same-origin",
          headers: { "X-Zhibu-Fetch": "1" },
        });
      } catch (error) {
        showFailure(form.dataset.msgNetwork);
        return;
      }
      // Django's CSRF failure page names CSRF; any other 403 is a refusal that logging in again will not change.
      const csrfFailed = response.status === 403 && (await response.clone().text()).includes("CSRF");
      const loginNeeded = response.type === "opaqueredirect" || csrfFailed;
      if (loginNeeded && !afterLogin) {
        pending = data;
        askPassword();
        return;
      }
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && type.includes("application/json")) {
        const answer = await response.json();
        sessionStorage.removeItem(key);
        window.location.assign(answer.location);
        return;
      }
      if (!loginNeeded && type.includes("text/html") && replaceMain(await response.text())) {
        return;
      }
      showFailure(`HTTP ${response.status || 302}`);
    }

    function askPassword() {
      const dialog = document.getElementById("reauth-modal");
      const modal = bootstrap.Modal.getOrCreateInstance(dialog);
      const password = dialog.querySelector("input[type=password]");
      const error = dialog.querySelector("[data-reauth-error]");
      const confirm = dialog.querySelector("form");
      dialog.querySelector("[data-reauth-username]").textContent = form.dataset.username;
      error.hidden = true;
      password.value = "";
      dialog.addEventListener("shown.bs.modal", () => password.focus(), { once: true });
      dialog.addEventListener("hidden.bs.modal", () => busy(false), { once: true });
      const codeGroup = dialog.querySelector("[data-reauth-code-group]");
      const code = dialog.querySelector("[data-reauth-code]");
      codeGroup.hidden = true;
      code.value = "";
      // With a two-step device the password is the first step: the code then goes to the verify page.
      let needCode = false;
      confirm.onsubmit = async (event) => {
        event.preventDefault();
        error.hidden = true;
        const submit = confirm.querySelector("button[type=submit]");
        submit.disabled = true;
        try {
          if (needCode) {
            const verify = new FormData();
            verify.set("token", code.value.trim());
            verify.set("csrfmiddlewaretoken", cookie("csrftoken"));
            const verified = await fetch(form.dataset.otpUrl, {
              method: "POST",
              body: verify,
              redirect: "manual",
              credentials: "same-origin",
            });
            if (verified.type !== "opaqueredirect") {
              error.textContent = error.dataset.wrongCode;
              error.hidden = false;
              code.select();
              return;
            }
          } else {
            const loginUrl = form.dataset.loginUrl;
            // A GET first: it sets a CSRF cookie again when the cookies are gone.
            await fetch(loginUrl, { credentials: "same-origin" });
            const login = new FormData();
            login.set("username", form.dataset.username);
            login.set("password", password.value);
            login.set("csrfmiddlewaretoken", cookie("csrftoken"));
            const answer = await fetch(loginUrl, {
              method: "POST",
              body: login,
              redirect: "manual",
              credentials: "same-origin",
            });
            if (answer.type !== "opaqueredirect") {
              error.textContent = error.dataset.wrongPassword;
              error.hidden = false;
              password.select();
              return;
            }
            // The verify page answers 200 only to a user who still owes a code; anyone else is sent on.
            const step = await fetch(form.dataset.otpUrl, { redirect: "manual", credentials: "same-origin" });
            if (step.ok) {
              needCode = true;
              password.value = "";
              codeGroup.hidden = false;
              code.focus();
              return;
            }
          }
        } catch (failure) {
          error.textContent = form.dataset.msgNetwork;
          error.hidden = false;
          return;
        } finally {
          submit.disabled = false;
        }
        password.value = "";
        code.value = "";
        await new Promise((resolve) => {
          dialog.addEventListener("hidden.bs.modal", resolve, { once: true });
          modal.hide();
        });
        busy(true);
        const data = pending;
        pending = null;
        await send(data, true);
      };
      modal.show();
    }

    let timer = null;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(keepCopy, 300);
    });
    form.addEventListener("change", keepCopy);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      if (event.submitter && event.submitter.name) {
        data.set(event.submitter.name, event.submitter.value);
      }
      clearTimeout(timer);
      keepCopy();
      if (failed) {
        failed.hidden = true;
      }
      busy(true);
      send(data, false);
    });
    offerRestore();
  }

  function init(root) {
    root.querySelectorAll("form[data-keep-draft]").forEach(setupForm);
  }

  init(document);
})();
