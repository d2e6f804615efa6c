/* The admin page (/admin): a calibration tried as a dry run, its result (items that would
   change, old -> new with standard errors; learners whose level would change; or why nothing
   changes), applied; the runs (who, when, what) and a rollback, confirmed first; the accounts
   (list, create with a one-time password, disable or enable, a new role). Only admins: for
   anyone else the API answers 403 and the page says so. */
"use strict";
(function () {
  const { t, api, showError, el, say, ApiError } = window.B1;
  const byId = (id) => document.getElementById(id);
  const pageLanguage = document.documentElement.lang || "en";
  const ROLES = ["learner", "teacher", "author", "admin"];
  const FINISHED = ["done", "failed", "rolled_back"];
  const when = (iso) => (iso ? new Date(iso).toLocaleString(pageLanguage, { dateStyle: "medium", timeStyle: "short" }) : "—");
  const fixed = (x, digits = 2) => Number(x).toFixed(digits);
  let lastDryRun = null;     // the options of the dry run shown, to apply the same
  let rollbackRun = null;    // the run a rollback waits to be confirmed for

  function languageName(code) {
    try { return new Intl.DisplayNames([pageLanguage], { type: "language" }).of(code) || code; } catch (e) { return code; }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A run, asked for again until it has finished (it runs after the reply that queued it). */
  async function finished(run) {
    for (let wait = 300; !FINISHED.includes(run.status); wait = Math.min(wait * 1.5, 3000)) {
      await sleep(wait);
      run = await api("GET", `/v1/calibrations/${run.id}`);
    }
    return run;
  }

  // ------------------------------------------------------------------ a run's result

  function showRun(run) {
    byId("run").hidden = false;
    byId("run-title").textContent = run.dry_run ? t("admin_dry_run_result") : t("admin_applied_result");
    // The counts in words; the server's message (repeating each language's reason) is in the runs list.
    byId("run-message").textContent = run.status === "failed" ? t("admin_failed", { error: run.error || run.message || "" })
      : t(run.dry_run ? "admin_would_change" : "admin_changed", { items: run.items_changed || 0, levels: run.levels_changed || 0 });
    const languages = byId("run-languages");
    languages.textContent = "";
    for (const language of (run.result ? run.result.languages : [])) {
      const facts = t("admin_language_line", { language: languageName(language.language), answers: language.answers,
        learners: language.learners, items: language.items_changed, levels: language.levels_changed });
      languages.append(el("li", {}, facts, language.reason ? el("br") : null,
        language.reason ? el("span", { class: "reason", text: t("admin_reason", { reason: language.reason }) }) : null));
    }
    const items = byId("run-items").querySelector("tbody");
    items.textContent = "";
    for (const item of run.items) {
      items.append(el("tr", {}, el("th", { scope: "row" }, el("code", { text: item.item_id })), el("td", { text: item.learners }),
        el("td", { text: `${fixed(item.before.b)} → ${fixed(item.after.b)} (± ${fixed(item.se_b)})` }),
        el("td", { text: `${fixed(item.before.a)} → ${fixed(item.after.a)} (± ${fixed(item.se_a)})` })));
    }
    byId("run-items-wrap").hidden = run.items.length === 0;
    const learners = byId("run-learners").querySelector("tbody");
    learners.textContent = "";
    for (const learner of run.learners) {
      learners.append(el("tr", {}, el("th", { scope: "row", text: learner.username }),
        el("td", { text: `${learner.level_before} → ${learner.level_after}` })));
    }
    byId("run-learners-wrap").hidden = run.learners.length === 0;
    byId("apply").hidden = !(run.dry_run && run.status === "done" && (run.items_changed || 0) > 0);
    byId("run-title").focus();
  }

  async function calibrate(dryRun) {
    const error = byId("calibrate-error");
    const language = byId("calibrate-language").value || null;
    const body = dryRun ? { language, dry_run: true } : { ...lastDryRun, dry_run: false };
    for (const button of [byId("dry-run"), byId("apply")]) button.disabled = true;
    say(t("admin_running"));
    try {
      const run = await finished(await api("POST", "/v1/calibrations", body));
      error.textContent = "";
      if (dryRun) lastDryRun = { language: run.options.language, min_learners: run.options.min_learners, max_se: run.options.max_se };
      showRun(run);
      say(run.dry_run ? t("admin_dry_run_done") : t("admin_applied_done"));
      await loadRuns();
    } catch (problem) {
      showError(error, problem);
    } finally {
      for (const button of [byId("dry-run"), byId("apply")]) button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ the runs

  function whatWords(run) {
    const kind = run.dry_run ? t("admin_kind_dry") : t("admin_kind_applied");
    const scope = run.options.language ? languageName(run.options.language) : t("admin_every_language");
    const counts = run.items_changed === null ? t("admin_status_" + run.status)
      : t("admin_counts", { items: run.items_changed, levels: run.levels_changed || 0 });
    const rolled = run.rolled_back_at ? " " + t("admin_rolled_back", { when: when(run.rolled_back_at), who: run.rolled_back_by || "—" }) : "";
    return `${kind}, ${scope}: ${counts}.${rolled}`;
  }

  async function loadRuns() {
    const runs = await api("GET", "/v1/calibrations?limit=50");
    byId("runs-empty").hidden = runs.length > 0;
    const body = byId("runs").querySelector("tbody");
    body.textContent = "";
    for (const run of runs) {
      const canRollBack = !run.dry_run && run.status === "done" && !run.rolled_back_at && (run.items_changed || 0) > 0;
      body.append(el("tr", { "data-run": run.id },
        el("td", { text: when(run.created_at) }), el("td", { text: run.requested_by || "—" }),
        el("td", {}, whatWords(run), run.message ? el("br") : null, run.message ? el("span", { class: "small muted", text: run.message }) : null),
        el("td", {}, canRollBack ? el("button", { type: "button", class: "rollback", onclick: () => askRollback(run) , text: t("admin_rollback") }) : null)));
    }
  }

  function askRollback(run) {
    rollbackRun = run;
    byId("rollback-question").textContent = t("admin_rollback_question", { when: when(run.created_at), items: run.items_changed });
    byId("rollback-confirm").hidden = false;
    byId("rollback-question").focus();
  }

  async function rollBack() {
    const run = rollbackRun;
    byId("rollback-confirm").hidden = true;
    try {
      await api("POST", `/v1/calibrations/${run.id}/rollback`);
      byId("runs-error").textContent = "";
      say(t("admin_rolled_back_done"));
      await loadRuns();
    } catch (problem) { showError(byId("runs-error"), problem); }
  }

  // ------------------------------------------------------------------ accounts

  function userRow(user) {
    const role = el("select", { "aria-label": t("admin_role_of", { name: user.username }) },
      ...ROLES.map((r) => el("option", { value: r, selected: r === user.role, text: t("admin_role_" + r) })));
    role.addEventListener("change", () => changeUser(user, { role: role.value }, role));
    const toggle = el("button", { type: "button", text: user.disabled ? t("admin_enable") : t("admin_disable"),
      "aria-label": t(user.disabled ? "admin_enable_who" : "admin_disable_who", { name: user.username }) });
    toggle.addEventListener("click", () => changeUser(user, { disabled: !user.disabled }, toggle));
    return el("tr", { "data-user": user.id },
      el("th", { scope: "row" }, user.username, user.display_name !== user.username ? el("br") : null,
        user.display_name !== user.username ? el("span", { class: "small muted", text: user.display_name }) : null),
      el("td", {}, role),
      el("td", {}, el("span", { text: user.disabled ? t("admin_disabled") : t("admin_active") }), " ", toggle));
  }

  async function changeUser(user, change, control) {
    try {
      const updated = await api("PATCH", `/v1/users/${user.id}`, change);
      byId("users-error").textContent = "";
      const row = userRow(updated);
      byId("users").querySelector(`tr[data-user="${user.id}"]`).replaceWith(row);
      say(t("admin_user_saved", { name: updated.username }));
    } catch (problem) {
      showError(byId("users-error"), problem);
      if (control.tagName === "SELECT") control.value = user.role;
    }
  }

  async function loadUsers() {
    const users = await api("GET", "/v1/users?limit=500");
    const body = byId("users").querySelector("tbody");
    body.textContent = "";
    for (const user of users) body.append(userRow(user));
  }

  async function createUser(event) {
    event.preventDefault();
    const error = byId("user-error");
    const body = { username: byId("user-name").value.trim(), role: byId("user-role").value,
                   display_name: byId("user-display").value.trim() || null };
    try {
      const created = await api("POST", "/v1/users", body);
      error.textContent = "";
      byId("user-created-text").textContent = t("admin_user_created", { name: created.username });
      byId("user-password").textContent = created.one_time_password || "";
      byId("user-created").hidden = false;
      byId("user-form").reset();
      byId("user-created-text").focus();
      await loadUsers();
    } catch (problem) { showError(error, problem); }
  }

  // ------------------------------------------------------------------ start

  async function start() {
    if (!window.B1.token()) { window.B1.goToLogin(); return; }
    for (const option of byId("calibrate-language").options) {
      if (option.value) option.textContent = `${languageName(option.value)} (${option.value})`;
    }
    try {
      await loadRuns();  // the first admin-only call: anyone else is told here
    } catch (problem) {
      if (problem instanceof ApiError && problem.status === 403) {
        byId("page-error").textContent = "";
        byId("page-error").append(el("p", { text: t("admin_not_allowed") }));
      } else showError(byId("page-error"), problem);
      return;
    }
    byId("admin-view").hidden = false;
    byId("calibrate-form").addEventListener("submit", (event) => { event.preventDefault(); calibrate(true); });
    byId("apply").addEventListener("click", () => calibrate(false));
    byId("rollback-yes").addEventListener("click", rollBack);
    byId("rollback-no").addEventListener("click", () => { byId("rollback-confirm").hidden = true; });
    byId("user-form").addEventListener("submit", createUser);
    loadUsers().catch((problem) => showError(byId("users-error"), problem));
  }

  start();
})();
