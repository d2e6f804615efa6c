/* The teacher dashboard (/teach): the teacher's classes; a class's follow-up list and roster
   (sortable), the class's curves and a learner's curve (charts the server draws, api/charts.py),
   adding learners one by one or from a CSV, a CSV export; a learner's page (level overall and
   per skill, pathway). Uses window.B1 (app.js); every rule (who may see whom) is the API's. A
   class or learner the API does not show this teacher gets a plain message and nothing else.
   Once a learner's page is known to exist, "b1:learner-shown" tells teach_actions.js (its
   actions) the learner's name. */
"use strict";
(function () {
  const { t, tNodes, api, showError, knownProblem, el, say, formatNumber, languageName } = window.B1;
  const byId = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const classId = Number(params.get("class")) || null;
  const learnerId = Number(params.get("learner")) || null;
  let rows = [];            // the roster's learners
  let width = 1;            // one CEFR level in logits, for the class's language (the roster's level_width)
  let sortKey = "name";
  let sortUp = true;
  // The alerts' reasons and actions come in the page's language (api/services/alerts.py).
  const pageLanguage = encodeURIComponent(document.documentElement.lang || "en");

  const percent = (p) => Math.round(100 * p);
  const fixed = (x) => formatNumber(Math.round(x * 10) / 10, 1);
  /** A share of a level with its sign, one decimal, as the alerts write it (api/services/alerts.py:
      "+0.6", "-0.4", never "-0.0"; the page language's decimal sign and minus), so the roster and
      the alert say the same numbers. On a right-to-left page a left-to-right mark keeps the sign
      before the digits ("+0.6", not "0.6+"), as CLDR writes signed numbers in Arabic. */
  const leftToRight = document.documentElement.dir === "rtl" ? "\u200E" : "";
  const signed = (x) => leftToRight + formatNumber(x, 1, true);

  /** The API's 404 (or 422 for an id that cannot be one) on a class or learner of the address:
      not there, or not this teacher's; the API's own words are for developers. */
  const isMissing = (error) => error instanceof window.B1.ApiError && (error.status === 404 || error.status === 422);

  /** Nothing of a class's or learner's page, just why and the way back. */
  function showMissing(text, link, href) {
    for (const view of ["classes-view", "class-view", "learner-view"]) byId(view).hidden = true;
    byId("page-error").textContent = "";
    byId("missing-text").textContent = text;
    byId("missing-link").textContent = link;
    byId("missing-link").href = href;
    byId("missing").hidden = false;
    document.title = `${text} · ${t("app_name")}`;
  }

  /** "B1 — 84% sure" or "no answers yet". */
  function levelWords(level, probability) {
    return level ? t("level_sure", { level, percent: percent(probability) }) : t("teach_no_answers");
  }

  /** The trend in words with its 90% interval, in CEFR levels (`width`: one level in logits),
      and an arrow only when the interval is all on one side of zero (otherwise the direction is
      not known). Every number from the logits: `gain_levels` is rounded, a ratio of it would be off. */
  function trendWords(trend, width) {
    // Answers of a single day say nothing about weeks: no trend yet.
    if (!trend || trend.days < 1) return { arrow: "", text: t("teach_no_trend") };
    const values = { gain: signed(trend.gain / width), low: signed(trend.low / width), high: signed(trend.high / width) };
    if (trend.low > 0) return { arrow: "↗", text: t("teach_trend_up", values) };
    if (trend.high < 0) return { arrow: "↘", text: t("teach_trend_down", values) };
    return { arrow: "→", text: t("teach_trend_unclear", values) };
  }

  /** Calendar days from `iso`'s date to today's, both on the reader's own calendar (their time
      zone): an answer at 23:52 read at 10:49 the next morning was "yesterday". Not the roster's
      `days_inactive`, which counts whole 24-hour periods, as the inactive alert does. */
  function calendarDaysSince(iso, now = new Date()) {
    const then = new Date(iso);
    // Each local date as a UTC midnight: whole days apart, whatever a clock change did between.
    const day = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
    return Math.max(0, Math.round((day(now) - day(then)) / 86_400_000));
  }

  function activeWords(row) {
    if (!row.last_activity) return t("teach_never");
    const days = calendarDaysSince(row.last_activity);
    return days === 0 ? t("teach_today") : days === 1 ? t("teach_yesterday") : t("teach_days_ago", { days });
  }

  // ------------------------------------------------------------------ classes

  async function showClasses() {
    byId("classes-view").hidden = false;
    const list = await api("GET", "/v1/classes");
    byId("classes-empty").hidden = list.length > 0;
    for (const item of list) {
      byId("classes").append(el("li", {}, el("a", { href: `/teach?class=${item.id}`, text: item.name }), " ",
        el("span", { class: "muted small", text: t("teach_class_line", { language: languageName(item.language), count: item.learner_count }) })));
    }
  }

  // ------------------------------------------------------------------ a class

  const SORTS = {
    name: (r) => r.display_name.toLocaleLowerCase(),
    level: (r) => (r.theta === null ? -Infinity : r.theta),
    trend: (r) => (r.trend ? r.trend.gain : -Infinity),
    active: (r) => (r.last_activity ? -Date.parse(r.last_activity) : Infinity),  // the latest first
    alerts: (r) => (r.alerts.length ? -1000 + r.alerts[0].rank : 0),
  };

  /** A cell a phone shows as a line of its own (table.stack in app.css): its column's name
      (`label`), then its content, one element, beside the name or under it when too wide. */
  const labelled = (label, content) => el("td", { "data-label": label }, content);
  /** A roster column's name: its sort button's, from the page. */
  const rosterLabel = (key) => byId("roster").querySelector(`button[data-sort=${key}]`).textContent;

  function drawRoster() {
    const key = SORTS[sortKey];
    const sorted = rows.slice().sort((a, b) => {
      const x = key(a); const y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (sortUp ? 1 : -1);
    });
    const body = byId("roster").querySelector("tbody");
    body.textContent = "";
    for (const row of sorted) {
      const trend = trendWords(row.trend, width);
      const alerts = row.alerts.map((a) => t("teach_kind_" + a.kind)).join(t("list_separator"));  // "،" in Arabic and Dari
      body.append(el("tr", { "data-learner": row.id },
        el("th", { scope: "row" }, el("a", { href: `/teach?class=${classId}&learner=${row.id}`, text: row.display_name }),
          el("br"), el("span", { class: "muted small", text: row.username })),
        labelled(rosterLabel("level"), el("span", { text: levelWords(row.level, row.level_probability) })),
        labelled(rosterLabel("trend"), el("span", {},
          trend.arrow ? el("span", { class: "arrow", "aria-hidden": "true", text: trend.arrow + " " }) : null, trend.text)),
        labelled(rosterLabel("active"), el("span", { text: activeWords(row) })),
        labelled(rosterLabel("alerts"), alerts ? el("span", { text: alerts }) : null)));
    }
    for (const header of byId("roster").querySelectorAll("th[scope=col]")) {
      const button = header.querySelector("button");
      if (button.dataset.sort === sortKey) header.setAttribute("aria-sort", sortUp ? "ascending" : "descending");
      else header.removeAttribute("aria-sort");
    }
  }

  function drawAlerts(reply) {
    const target = byId("alerts");
    target.textContent = "";
    byId("alerts-empty").hidden = reply.alerts.length > 0;
    for (const alert of reply.alerts) {
      target.append(el("li", { class: "alert " + alert.tone, "data-kind": alert.kind },
        el("p", {}, ...tNodes("teach_alert_line", {
          name: el("a", { href: `/teach?class=${classId}&learner=${alert.learner_id}`, text: alert.display_name }),
          message: alert.message })),
        el("p", { class: "small", text: t("teach_action", { action: alert.action }) })));
    }
  }

  /** A file the browser saves (the CSV export, the chart's SVG). */
  function saveFile(text, type, name) {
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  /** The class's curves, one small panel per learner (api/charts.py), drawn for the page's
      width (again when it changes); not awaited: the roster shows first. The download is the
      same SVG as the newest drawing. */
  function drawClassCurves() {
    const target = byId("class-curves");
    const button = byId("curves-download");
    window.B1.showChart(target, `/v1/classes/${classId}/ability-chart`, { drawn: (chart) => {
      button.hidden = false;
      button.onclick = () => saveFile(chart.svg, "image/svg+xml", `class-${classId}-curves.svg`);
    } }).catch((error) => showError(target, error));
  }

  async function loadClass() {
    const [roster, alerts] = await Promise.all([
      api("GET", `/v1/classes/${classId}/roster?lang=${pageLanguage}`),
      api("GET", `/v1/classes/${classId}/alerts?lang=${pageLanguage}`)]);
    width = roster.level_width;
    byId("title").textContent = roster.class.name;
    document.title = `${roster.class.name} · ${t("app_name")}`;
    // Shown only now, a class the API gave: the curves are drawn for the width the page has.
    byId("class-view").hidden = false;
    rows = roster.learners;
    drawRoster();
    drawAlerts(alerts);
    drawClassCurves();
  }

  /** A whole decimal number as a spreadsheet reads one ("-0.923", "1e-3"): a value, never a formula. */
  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

  /** One CSV field, quoted when it holds a comma, a quote or a line break. A text with a leading
      = + - @ (or tab, CR) is prefixed with ' so a spreadsheet never runs a name as a formula;
      numbers stay numbers (a negative θ is no formula, and a ' would make it text). */
  function csvField(value) {
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text) && !NUMBER.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function exportCsv() {
    const header = ["display_name", "username", "level", "level_probability", "theta", "se", "answers",
                    "last_activity", "days_inactive", "practice_days_per_week", "trend_levels", "trend_low", "trend_high", "alerts"];
    const lines = [header.join(",")];
    for (const r of rows) {
      lines.push([r.display_name, r.username, r.level, r.level_probability, r.theta, r.se, r.answers, r.last_activity,
                  r.days_inactive, r.practice_days_per_week, r.trend ? r.trend.gain_levels : null,
                  r.trend ? r.trend.low : null, r.trend ? r.trend.high : null,
                  r.alerts.map((a) => a.kind).join(" ")].map(csvField).join(","));
    }
    const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `class-${classId}-${new Date().toISOString().slice(0, 10)}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  /** The file's learners: one a line, "name[, support language]"; a name may be quoted. */
  function parseLearners(text) {
    const learners = [];
    text.replace(/^\ufeff/, "").split(/\r\n|\n|\r/).forEach((line, index) => {
      if (!line.trim()) return;
      const match = /^\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,\s*(.*?)\s*)?$/.exec(line);
      const name = match ? (match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]).trim() : "";
      const language = match && match[3] ? match[3] : null;
      learners.push({ line: index + 1, display_name: name, support_language: language });
    });
    return learners;
  }

  function showCreated(created) {
    const table = byId("created-table");
    const body = table.querySelector("tbody");
    const [name, login, secret] = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent);
    for (const learner of created) {
      body.append(el("tr", {}, labelled(name, el("span", { text: learner.display_name })),
        labelled(login, el("span", { text: learner.username })),
        labelled(secret, el("code", { class: "password", text: learner.one_time_password || "" }))));
    }
    byId("created").hidden = false;
    byId("created-title").focus();
  }

  async function addLearners(learners, errorTarget) {
    const created = [];
    const problems = [];
    for (const learner of learners) {
      try {
        created.push(await api("POST", `/v1/classes/${classId}/learners`,
          { display_name: learner.display_name, support_language: learner.support_language || null }));
      } catch (error) {
        if (!(error instanceof window.B1.ApiError)) throw error;
        // In the page's words when the page knows the problem ("Ana is already in this class");
        // else a field's message when the API names one (the detail repeats it), else the detail.
        const known = knownProblem(error);
        const fields = (error.problem.errors || []).map((e) => e.message);
        const problem = known ? el("span", {}, ...tNodes(known.key, known.values))
          : el("span", { lang: "en", dir: "auto", text: fields.length ? fields.join(" ") : error.problem.detail || error.problem.title });
        problems.push(learner.line ? tNodes("teach_csv_line", { line: learner.line, problem }) : [problem]);
      }
    }
    errorTarget.textContent = "";
    if (problems.length) {
      errorTarget.append(el("ul", {}, ...problems.map((nodes) => el("li", {}, ...nodes))));
    }
    if (created.length) {
      showCreated(created);
      say(t("teach_added", { count: created.length }));
      await loadClass();
    }
  }

  function setUpClass() {
    for (const button of byId("roster").querySelectorAll("button[data-sort]")) {
      button.addEventListener("click", () => {
        sortUp = sortKey === button.dataset.sort ? !sortUp : true;
        sortKey = button.dataset.sort;
        drawRoster();
        say(t("teach_sorted", { column: button.textContent }));
      });
    }
    byId("export").addEventListener("click", exportCsv);
    api("GET", "/v1/support-languages").then((choices) => {
      for (const choice of choices) {
        byId("add-support").append(el("option", { value: choice.code, lang: choice.code, dir: choice.direction,
                                                  text: `${choice.name} (${choice.code})` }));
      }
    }).catch(() => {});  // without the list, a learner is added without a support language
    byId("add-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = byId("add-name");
      const typed = field.value;
      const button = event.submitter || byId("add-form").querySelector("button[type=submit]");
      // One request at a time: a second press while the first is on its way would add the learner twice.
      button.disabled = true;
      try {
        await addLearners([{ display_name: typed.trim(), support_language: byId("add-support").value || null }],
                          byId("add-error"));
        // Cleared only if it still holds what was sent: a name typed while the roster reloaded stays.
        if (field.value === typed && !byId("add-error").textContent) byId("add-form").reset();
      } catch (error) { showError(byId("add-error"), error); }
      finally { button.disabled = false; }
    });
    byId("csv-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = byId("csv-file").files[0];
      const learners = file ? parseLearners(await file.text()) : [];
      if (!learners.length) { byId("csv-error").textContent = t("teach_csv_empty"); return; }
      try { await addLearners(learners, byId("csv-error")); } catch (error) { showError(byId("csv-error"), error); }
    });
    return loadClass();
  }

  // ------------------------------------------------------------------ a learner

  /** The learner's curve: the server's chart (api/charts.py), the one the report and the download show. */
  function drawCurve() {
    const target = byId("curve");
    window.B1.showChart(target, `/v1/learners/${learnerId}/ability-chart`).catch((error) => showError(target, error));
  }

  function drawSkills(progress) {
    const target = byId("skills");
    const skills = Object.entries(progress.skills || {});
    byId("skills-empty").hidden = skills.length > 0;
    for (const [skill, ability] of skills) {
      // The skill's name as the report and the learner read it ("Everyday situations"); the 90 %
      // spread in levels (se_levels), so "give or take" needs no θ and no cuts.
      target.append(el("li", { text: t("teach_skill_line", { skill: t("skill_" + skill), level: ability.level,
        percent: percent(ability.level_probabilities[ability.level] || 0), spread: fixed(1.645 * ability.se_levels) }) }));
    }
  }

  async function showLearner() {
    // The class's learners first: a 404 if the class is not this teacher's; the learner's
    // display name, and whether they are in this class at all.
    const learner = (await api("GET", `/v1/classes/${classId}/learners`)).find((l) => l.id === learnerId);
    if (!learner) {
      showMissing(t("teach_learner_missing"), t("teach_back"), `/teach?class=${classId}`);
      return;
    }
    byId("back").href = `/teach?class=${classId}`;
    const progress = await api("GET", `/v1/learners/${learnerId}?history_limit=1`);
    const name = learner.display_name || learner.username;
    byId("title").textContent = name;
    document.title = `${name} · ${t("app_name")}`;
    // The login under the name, for telling the learner how to log in (not when it says the same).
    byId("learner-login").textContent = t("teach_username_line", { username: learner.username });
    byId("learner-login").hidden = learner.username === name;
    const overall = progress.overall;
    byId("learner-level").textContent = t("teach_level_now", {
      level: overall ? levelWords(overall.level, overall.level_probabilities[overall.level] || 0) : t("teach_no_answers") });
    byId("learner-view").hidden = false;
    document.dispatchEvent(new CustomEvent("b1:learner-shown", { detail: { name, username: learner.username } }));
    drawCurve();
    drawSkills(progress);
    byId("pathway-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const trade = byId("pathway-trade").value || null;
      const box = byId("pathway-share").value.trim();
      // An empty box with a trade: null, the trade only (docs/api.md, pathways); never 0, a
      // trade that gives no item, which the API refuses. No trade: no share.
      const share = trade && box !== "" ? Number(box) / 100 : null;
      try {
        await api("PUT", `/v1/classes/${classId}/learners/${learnerId}/pathway`, { trade, trade_share: share });
        byId("pathway-error").textContent = "";
        say(t("teach_pathway_saved"));
      } catch (error) { showError(byId("pathway-error"), error); }
    });
  }

  async function start() {
    if (!window.B1.token()) { window.B1.goToLogin(); return; }
    try {
      if (classId && learnerId) await showLearner();
      else if (classId) await setUpClass();
      else await showClasses();
    } catch (error) {
      if (classId && isMissing(error) && byId("class-view").hidden && byId("learner-view").hidden) {
        showMissing(t("teach_class_missing"), t("teach_to_classes"), "/teach");
      } else showError(byId("page-error"), error);
    }
  }

  start();
})();
