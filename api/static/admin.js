/* The admin page (/admin): a calibration tried as a dry run, its result (items that would
   change, old -> new with standard errors; learners whose level would change; or why nothing
   changes), applied; the runs (their ids, who, when, what) and a rollback, confirmed first; the
   accounts (create with a one-time password; found by login or name, a page at a time; disable
   or enable, a new role); every class with its teacher, handed to another. Only admins: for
   anyone else the API answers 403 and the page says so. */
"use strict";
(function () {
  const { t, tNodes, api, showError, el, say, ApiError, languageName } = window.B1;
  const byId = (id) => document.getElementById(id);
  const ROLES = ["learner", "teacher", "author", "admin"];
  const FINISHED = ["done", "failed", "rolled_back"];
  const when = (iso) => (iso ? window.B1.formatDateTime(iso) : "—");
  const fixed = (x, digits = 2) => window.B1.formatNumber(Number(x), digits);
  /** "old → new (± SE)": the arrow and the order are the page language's (change_from_to: "←" on
      a right-to-left page), each number isolated so its sign stays with it; one span, the one
      value a stacked table's cell lays out beside its column's name. */
  const change = (before, after, se) => el("span", {},
    ...tNodes("change_from_to", { before: fixed(before), after: fixed(after) }), ` (±\u00a0${fixed(se)})`);
  /** A small number (a p-value) to two significant digits: 0.45, 0.012, 0.00017. */
  const significant = (x) => fixed(x, Math.max(0, 1 - Math.floor(Math.log10(x))));

  /** One reason a language changed nothing (the API's `reasons`), as a sentence in the page's
      language (nodes); null for a reason this page does not know (a newer server's). The item's id
      is one unbroken left-to-right piece: broken at a hyphen, an Arabic line showed "-nb". */
  function reasonNodes(reason) {
    switch (reason.code) {
      case "tested_before": return tNodes("admin_reason_tested_before", { when: when(reason.applied_at) });
      case "no_answers": return tNodes("admin_reason_no_answers");
      case "too_few_learners": return tNodes("admin_reason_too_few_learners", { min: reason.min_learners,
        item: el("bdi", { class: "item-id", dir: "ltr", text: reason.most_answered.item_id }),
        answers: reason.most_answered.answers, learners: reason.most_answered.learners });
      case "not_precise": return reason.smallest_se_b === null
        ? tNodes("admin_reason_not_estimable", { items: reason.items, min: reason.min_learners, max: fixed(reason.max_se) })
        : tNodes("admin_reason_not_precise", { items: reason.items, min: reason.min_learners,
          se: fixed(reason.smallest_se_b), max: fixed(reason.max_se) });
      case "consistent": return tNodes("admin_reason_consistent", { items: reason.items,
        p: significant(reason.smallest_p_value), alpha: significant(reason.alpha) });
      case "anchors": return tNodes("admin_reason_anchors", { items: reason.items });
      default: return null;
    }
  }

  /** Groups of nodes (sentences) one after another, a space between each two. */
  const spaced = (groups) => groups.flatMap((nodes, i) => (i ? [" ", ...nodes] : nodes));

  /** A language's reasons, one sentence each; null when one is unknown (then the server's English stands). */
  function reasonsNode(reasons) {
    const sentences = reasons.map(reasonNodes);
    if (sentences.includes(null)) return null;
    return el("span", {}, ...spaced(sentences));
  }

  let lastDryRun = null;     // the options of the dry run shown, to apply the same
  let rollbackRun = null;    // the run a rollback waits to be confirmed for
  // Accounts shown a page at a time: a school has hundreds (the API pages with `offset` and `limit`).
  const USERS_PAGE = 50;
  const SEARCH_DELAY_MS = 300;  // typing pauses this long before the list is asked for
  const accounts = { offset: 0, search: "", role: "", asked: 0 };  // `asked`: the latest request

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
    byId("run-message").textContent = run.status === "failed" ? t("admin_failed", { error: failureWords(run) })
      : t(run.dry_run ? "admin_would_change" : "admin_changed", { items: run.items_changed || 0, levels: run.levels_changed || 0 });
    const languages = byId("run-languages");
    languages.textContent = "";
    for (const language of (run.result ? run.result.languages : [])) {
      const facts = t("admin_language_line", { language: languageName(language.language), answers: language.answers,
        learners: language.learners, items: language.items_changed, levels: language.levels_changed });
      // A run stored before reasons were kept in parts has only the English words.
      const reason = (language.reasons && language.reasons.length && reasonsNode(language.reasons)) || language.reason;
      languages.append(el("li", {}, facts, reason ? el("br") : null,
        reason ? el("span", { class: "reason", dir: "auto" }, ...tNodes("admin_reason", { reason })) : null));
    }
    const items = byId("run-items").querySelector("tbody");
    items.textContent = "";
    for (const item of run.items) {
      // data-label: on a phone the table stacks, one item a block, each value under its column's name.
      items.append(el("tr", {}, el("th", { scope: "row" }, el("code", { text: item.item_id })),
        el("td", { "data-label": t("admin_learners"), text: fixed(item.learners, 0) }),
        el("td", { "data-label": t("admin_difficulty") }, change(item.before.b, item.after.b, item.se_b)),
        el("td", { "data-label": t("admin_discrimination") }, change(item.before.a, item.after.a, item.se_a))));
    }
    byId("run-items-wrap").hidden = run.items.length === 0;
    const learners = byId("run-learners").querySelector("tbody");
    learners.textContent = "";
    for (const learner of run.learners) {
      learners.append(el("tr", {}, el("th", { scope: "row", text: learner.username }),
        el("td", {}, ...tNodes("change_from_to", { before: learner.level_before, after: learner.level_after }))));
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
    const scope = run.options.language ? languageName(run.options.language) : t("admin_every_language");
    // A rollback from the server's shell (b1engine calibrations rollback) has no account to name.
    const rolled = !run.rolled_back_at ? ""
      : " " + (run.rolled_back_by ? t("admin_rolled_back", { when: when(run.rolled_back_at), who: run.rolled_back_by })
        : t("admin_rolled_back_cli", { when: when(run.rolled_back_at) }));
    const nothing = run.items_changed === 0 && !run.levels_changed;
    if (nothing && !run.dry_run) return t("admin_run_unchanged", { what: t("admin_no_change"), scope }) + rolled;  // applied, yet nothing changed
    const counts = run.items_changed === null ? t("admin_status_" + run.status)
      : nothing ? t("admin_nothing_would_change")
      : t(run.dry_run ? "admin_counts_would" : "admin_counts", { items: run.items_changed, levels: run.levels_changed || 0 });
    return t("admin_run_summary", { kind: t(run.dry_run ? "admin_kind_dry" : "admin_kind_applied"), scope, counts }) + rolled;
  }

  /** Text copied to the clipboard; on plain http (a school's server) by selecting `node`. */
  async function copy(text, node) {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return; }
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (!document.execCommand("copy")) throw new Error("copy refused");
  }

  /** A run's id as `b1engine calibrations show|rollback` take it: all of it in the page (selected
      and copied whole), its first characters in sight, and a button that copies it. */
  function runId(run) {
    const code = el("code", { class: "run-id", dir: "ltr", title: run.id, text: run.id });  // its start in sight in a right-to-left page too
    const button = el("button", { type: "button", class: "link copy-id", text: t("admin_copy_id"),
      "aria-label": t("admin_copy_id_of", { when: when(run.created_at) }) });
    button.addEventListener("click", async () => {
      try { await copy(run.id, code); say(t("admin_id_copied", { id: run.id })); }
      catch (error) { say(t("admin_copy_failed")); }
    });
    return el("th", { scope: "row" }, code, " ", button);  // the id names the run
  }

  /** Why a run failed: its cause in the page's words, or the server's English for one without a
      known cause (a refusal, a run that failed before causes had names). */
  function failureWords(run) {
    const key = { stale_parameters: "admin_failed_stale", internal: "admin_failed_internal" }[run.error_code];
    return key ? t(key) : run.error || run.message || "";
  }

  /** Why a run failed or changed nothing, beyond its summary (nodes): each language's reasons in the
      page's words ("Norwegian Bokmål: No item has answers from 50 learners yet. …"); the server's
      English message where the run has no reasons in parts (a failure, a run stored before them). */
  function whyNodes(run) {
    const english = run.message ? [run.message] : null;
    if (run.status === "failed") return [failureWords(run)];
    if (!run.unchanged) return english;
    if (!run.unchanged.length) return run.status === "done" ? [t("admin_reason_nothing_to_read")] : null;
    const languages = run.unchanged.map((language) => {
      const reasons = reasonsNode(language.reasons);
      return reasons && tNodes("admin_language_reasons", { language: languageName(language.language), reasons });
    });
    return languages.includes(null) ? english : spaced(languages);
  }

  async function loadRuns() {
    const runs = await api("GET", "/v1/calibrations?limit=50");
    byId("runs-empty").hidden = runs.length > 0;
    const body = byId("runs").querySelector("tbody");
    body.textContent = "";
    for (const run of runs) {
      const canRollBack = !run.dry_run && run.status === "done" && !run.rolled_back_at && (run.items_changed || 0) > 0;
      const why = run.status === "failed" || !run.items_changed ? whyNodes(run) : null;
      body.append(el("tr", { "data-run": run.id }, runId(run),
        el("td", { text: when(run.created_at) }), el("td", { text: run.requested_by || "—" }),
        el("td", {}, whatWords(run), why ? el("br") : null, why ? el("span", { class: "small muted", dir: "auto" }, ...why) : null),
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
      showClasses();
    } catch (problem) {
      showError(byId("users-error"), problem);
      if (control.tagName === "SELECT") control.value = user.role;
    }
  }

  /** The page of accounts at `accounts.offset` that match the search and role; one more is asked
      for than shown, to know whether a next page exists. A reply overtaken by a later request
      (typing on) is dropped. */
  async function loadUsers() {
    const asked = ++accounts.asked;
    const query = new URLSearchParams({ offset: accounts.offset, limit: USERS_PAGE + 1 });
    if (accounts.search) query.set("search", accounts.search);
    if (accounts.role) query.set("role", accounts.role);
    const users = await api("GET", `/v1/users?${query}`);
    if (asked !== accounts.asked) return;
    byId("users-error").textContent = "";
    const shown = users.slice(0, USERS_PAGE);
    const body = byId("users").querySelector("tbody");
    body.textContent = "";
    for (const user of shown) body.append(userRow(user));
    const filtered = accounts.search || accounts.role;
    byId("users-range").textContent = shown.length ? t("admin_users_range", { first: accounts.offset + 1, last: accounts.offset + shown.length })
      : filtered ? t("admin_users_none") : "";
    const more = users.length > USERS_PAGE;
    byId("users-pager").hidden = accounts.offset === 0 && !more;
    byId("users-previous").disabled = accounts.offset === 0;
    byId("users-next").disabled = !more;
  }

  function showUsers() { loadUsers().catch((problem) => showError(byId("users-error"), problem)); }

  /** The list from its first page, for what the search and role fields say now. */
  function searchUsers() {
    accounts.search = byId("users-query").value.trim();
    accounts.role = byId("users-role").value;
    accounts.offset = 0;
    showUsers();
  }

  function turnPage(step) {
    accounts.offset = Math.max(0, accounts.offset + step * USERS_PAGE);
    showUsers();
    byId("users-list-title").scrollIntoView();
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
      // The new account in the list, wherever it falls among hundreds: the list searched for it.
      byId("users-query").value = created.username;
      byId("users-role").value = "";
      searchUsers();
      showClasses();
    } catch (problem) { showError(error, problem); }
  }

  // ------------------------------------------------------------------ the classes

  /** The accounts that may teach a class (api/services/users.py, TEACHING_ROLES), by login; a
      school has a few dozen (the API pages at 500). */
  async function teachingAccounts() {
    const lists = await Promise.all(["teacher", "admin"].map((role) => api("GET", `/v1/users?role=${role}&limit=500`)));
    return lists.flat().sort((x, y) => x.username.localeCompare(y.username));
  }

  /** A class, its teacher and its learners, and a list of the active teachers to hand it over to. */
  function classRow(schoolClass, people) {
    const teacher = people.find((person) => person.id === schoolClass.teacher_id);
    const choice = el("select", { "aria-label": t("admin_hand_over_of", { name: schoolClass.name }) },
      ...people.filter((person) => !person.disabled || person === teacher).map((person) => el("option", {
        value: person.id, selected: person === teacher, text: person.username })));
    const button = el("button", { type: "button", disabled: true, text: t("admin_hand_over") });
    choice.addEventListener("change", () => { button.disabled = Number(choice.value) === schoolClass.teacher_id; });
    button.addEventListener("click", () => handOver(schoolClass, Number(choice.value), people, button));
    return el("tr", { "data-class": schoolClass.id },
      el("th", { scope: "row" }, schoolClass.name, el("br"),
        el("span", { class: "small muted", text: languageName(schoolClass.language) })),
      el("td", { "data-label": t("admin_class_teacher") }, teacher ? teacher.username : "—",
        teacher && teacher.disabled ? el("span", { class: "small muted", text: ` (${t("admin_disabled")})` }) : null),
      el("td", { "data-label": t("admin_learners"), text: window.B1.formatNumber(schoolClass.learner_count, 0) }),
      el("td", { "data-label": t("admin_hand_over_to") }, choice, " ", button));
  }

  async function loadClasses() {
    const [classes, people] = await Promise.all([api("GET", "/v1/classes"), teachingAccounts()]);
    const body = byId("classes").querySelector("tbody");
    body.textContent = "";
    for (const schoolClass of classes) body.append(classRow(schoolClass, people));
    byId("classes-empty").hidden = classes.length > 0;
  }

  /** The classes again: after an account changed, the teachers to choose from have too. */
  function showClasses() { loadClasses().catch((problem) => showError(byId("classes-error"), problem)); }

  async function handOver(schoolClass, teacherId, people, button) {
    button.disabled = true;
    try {
      const moved = await api("PUT", `/v1/classes/${schoolClass.id}/teacher`, { teacher_id: teacherId });
      byId("classes-error").textContent = "";
      await loadClasses();
      const teacher = people.find((person) => person.id === moved.teacher_id);
      say(t("admin_handed_over", { name: moved.name, teacher: teacher ? teacher.username : "" }));
    } catch (problem) {
      showError(byId("classes-error"), problem);
      button.disabled = false;
    }
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
    // The navigation's link for admins (base.html): this page, now known to be an admin's.
    for (const link of document.querySelectorAll('a[data-when="admin"]')) {
      link.hidden = false;
      link.setAttribute("aria-current", "page");
    }
    byId("calibrate-form").addEventListener("submit", (event) => { event.preventDefault(); calibrate(true); });
    byId("apply").addEventListener("click", () => calibrate(false));
    byId("rollback-yes").addEventListener("click", rollBack);
    byId("rollback-no").addEventListener("click", () => { byId("rollback-confirm").hidden = true; });
    byId("user-form").addEventListener("submit", createUser);
    let typing = null;
    byId("users-query").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(searchUsers, SEARCH_DELAY_MS); });
    byId("users-search").addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(typing); searchUsers(); });
    byId("users-role").addEventListener("change", searchUsers);
    byId("users-previous").addEventListener("click", () => turnPage(-1));
    byId("users-next").addEventListener("click", () => turnPage(1));
    showUsers();
    showClasses();
  }

  start();
})();
