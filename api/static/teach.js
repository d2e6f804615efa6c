/* The teacher dashboard (/teach): the teacher's classes; a class's follow-up list and roster
   (sortable), the class's curves and a learner's curve (charts the server draws, api/charts.py),
   adding learners one by one or from a CSV, a CSV export; a learner's page (per-skill levels, pathway). Uses window.B1 (app.js); every
   rule (who may see whom) is the API's. */
"use strict";
(function () {
  const { t, api, showError, el, say } = window.B1;
  const byId = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const classId = Number(params.get("class")) || null;
  const learnerId = Number(params.get("learner")) || null;
  let rows = [];            // the roster's learners
  let sortKey = "name";
  let sortUp = true;

  const percent = (p) => Math.round(100 * p);
  const fixed = (x) => (Math.round(x * 10) / 10).toFixed(1);

  /** "B1 — 84% sure" or "no answers yet". */
  function levelWords(level, probability) {
    return level ? t("level_sure", { level, percent: percent(probability) }) : t("teach_no_answers");
  }

  /** The trend in words with its 90% interval, in CEFR levels, and an arrow only when the
      interval is all on one side of zero (otherwise the direction is not known). */
  function trendWords(trend) {
    // Answers of a single day say nothing about weeks: no trend yet.
    if (!trend || trend.days < 1) return { arrow: "", text: t("teach_no_trend") };
    const perLogit = trend.gain !== 0 ? trend.gain_levels / trend.gain : 0;
    const values = { gain: fixed(trend.gain_levels), low: fixed(trend.low * perLogit), high: fixed(trend.high * perLogit) };
    if (trend.low > 0) return { arrow: "↗", text: t("teach_trend_up", values) };
    if (trend.high < 0) return { arrow: "↘", text: t("teach_trend_down", values) };
    return { arrow: "→", text: t("teach_trend_unclear", values) };
  }

  function activeWords(row) {
    if (!row.last_activity) return t("teach_never");
    return row.days_inactive ? t("teach_days_ago", { days: row.days_inactive }) : t("teach_today");
  }

  // ------------------------------------------------------------------ classes

  async function showClasses() {
    byId("classes-view").hidden = false;
    const list = await api("GET", "/v1/classes");
    byId("classes-empty").hidden = list.length > 0;
    for (const item of list) {
      byId("classes").append(el("li", {}, el("a", { href: `/teach?class=${item.id}`, text: item.name }), " ",
        el("span", { class: "muted small", text: t("teach_class_line", { language: item.language, count: item.learner_count }) })));
    }
  }

  // ------------------------------------------------------------------ a class

  const SORTS = {
    name: (r) => r.display_name.toLocaleLowerCase(),
    level: (r) => (r.theta === null ? -Infinity : r.theta),
    trend: (r) => (r.trend ? r.trend.gain : -Infinity),
    active: (r) => (r.days_inactive === null ? Infinity : r.days_inactive),
    alerts: (r) => (r.alerts.length ? -1000 + r.alerts[0].rank : 0),
  };

  function drawRoster() {
    const key = SORTS[sortKey];
    const sorted = rows.slice().sort((a, b) => {
      const x = key(a); const y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (sortUp ? 1 : -1);
    });
    const body = byId("roster").querySelector("tbody");
    body.textContent = "";
    for (const row of sorted) {
      const trend = trendWords(row.trend);
      body.append(el("tr", { "data-learner": row.id },
        el("th", { scope: "row" }, el("a", { href: `/teach?class=${classId}&learner=${row.id}`, text: row.display_name }),
          el("br"), el("span", { class: "muted small", text: row.username })),
        el("td", { text: levelWords(row.level, row.level_probability) }),
        el("td", {}, el("span", { class: "arrow", "aria-hidden": "true", text: trend.arrow }), " ", trend.text),
        el("td", { text: activeWords(row) }),
        el("td", { text: row.alerts.map((a) => t("teach_kind_" + a.kind)).join(", ") })));
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
        el("p", {}, el("a", { href: `/teach?class=${classId}&learner=${alert.learner_id}`, text: alert.display_name }),
          ": " + alert.message),
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
      width; not awaited: the roster shows first. The download is the same SVG. */
  function drawClassCurves() {
    const target = byId("class-curves");
    window.B1.showChart(target, `/v1/classes/${classId}/ability-chart`).then((chart) => {
      const button = byId("curves-download");
      button.hidden = false;
      button.onclick = () => saveFile(chart.svg, "image/svg+xml", `class-${classId}-curves.svg`);
    }).catch((error) => showError(target, error));
  }

  async function loadClass() {
    const [roster, alerts] = await Promise.all([
      api("GET", `/v1/classes/${classId}/roster`), api("GET", `/v1/classes/${classId}/alerts`)]);
    byId("title").textContent = roster.class.name;
    document.title = `${roster.class.name} · ${t("app_name")}`;
    rows = roster.learners;
    drawRoster();
    drawAlerts(alerts);
    drawClassCurves();
  }

  /** One CSV field, quoted when it holds a comma, a quote or a line break; a leading = + - @
      is prefixed with ' so a spreadsheet never runs a name as a formula. */
  function csvField(value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
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
    const body = byId("created-table").querySelector("tbody");
    for (const learner of created) {
      body.append(el("tr", {}, el("td", { text: learner.display_name }), el("td", { text: learner.username }),
        el("td", {}, el("code", { text: learner.one_time_password || "" }))));
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
        // A field's message when the API names one (the detail repeats it), else the detail.
        const fields = (error.problem.errors || []).map((e) => e.message);
        const detail = fields.length ? fields.join(" ") : error.problem.detail || error.problem.title;
        problems.push(learner.line ? t("teach_csv_line", { line: learner.line, problem: detail }) : detail);
      }
    }
    errorTarget.textContent = "";
    if (problems.length) {
      errorTarget.append(el("ul", {}, ...problems.map((p) => el("li", { text: p }))));
    }
    if (created.length) {
      showCreated(created);
      say(t("teach_added", { count: created.length }));
      await loadClass();
    }
  }

  function setUpClass() {
    byId("class-view").hidden = false;
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
      const name = byId("add-name").value.trim();
      try {
        await addLearners([{ display_name: name, support_language: byId("add-support").value || null }], byId("add-error"));
        byId("add-form").reset();
      } catch (error) { showError(byId("add-error"), error); }
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

  function drawSkills(progress, cuts) {
    const target = byId("skills");
    const skills = Object.entries(progress.skills || {});
    byId("skills-empty").hidden = skills.length > 0;
    // One level's width in logits: the SE said in levels, so "give or take" needs no θ.
    const width = cuts.length > 1 ? (cuts[cuts.length - 1] - cuts[0]) / (cuts.length - 1) : 1;
    for (const [skill, ability] of skills) {
      target.append(el("li", { text: t("teach_skill_line", { skill, level: ability.level,
        percent: percent(ability.level_probabilities[ability.level] || 0), spread: fixed(1.645 * ability.se / width) }) }));
    }
  }

  async function showLearner() {
    byId("learner-view").hidden = false;
    byId("back").href = `/teach?class=${classId}`;
    // One page of the class's curves holding just this learner (pages go by id): its cuts too.
    const [progress, curves] = await Promise.all([
      api("GET", `/v1/learners/${learnerId}?history_limit=1`),
      api("GET", `/v1/classes/${classId}/ability-curves?limit=1&cursor=${learnerId - 1}`)]);
    const name = progress.username;
    byId("title").textContent = name;
    document.title = `${name} · ${t("app_name")}`;
    drawCurve();
    drawSkills(progress, curves.cuts);
    byId("pathway-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const trade = byId("pathway-trade").value.trim() || null;
      const share = trade ? Number(byId("pathway-share").value) / 100 : 0;
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
      showError(byId("page-error"), error);
    }
  }

  start();
})();
