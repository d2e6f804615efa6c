/* A learner's printable report (/teach/report?class=<id>&learner=<id>): name, class, level
   overall and per skill in words with its probability, what the level means, the curve (an SVG
   from the chart route), words due for review, the answers of the last days, the date and the
   item-parameter version. Print CSS in app.css (A4, no navigation, black on white). */
"use strict";
(function () {
  const { t, tNodes, api, showError, el, localText, formatDate } = window.B1;
  const byId = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const classId = Number(params.get("class")) || null;
  const learnerId = Number(params.get("learner")) || null;
  const percent = (p) => Math.round(100 * (p || 0));
  /** CSS px of the 1rem api/charts.py chooses a chart's type sizes for (its REM_PX). */
  const CHART_REM_PX = 16;
  const levelWords = (ability) => t("level_sure", { level: ability.level, percent: percent(ability.level_probabilities[ability.level]) });

  /** The width (px) to ask the curve for: the width its image is shown at (app.css caps the
      report's chart, narrower than the page), in the rem the chart's type is chosen for
      (CHART_REM_PX). Its words then keep their size beside the page's text: larger with a
      projector's larger type, and printed on A4 (11-pt text, the image across the page's 18 cm,
      the chart asked for at most 40 of these rem, so scaled up if anything) still above 80% of
      the body text. */
  function curveWidth(target) {
    const probe = el("img", { class: "chart-image", alt: "" });
    target.append(probe);
    const shown = probe.getBoundingClientRect().width;
    probe.remove();
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || CHART_REM_PX;
    return Math.round(shown * CHART_REM_PX / rem);
  }

  /** The curve: the server's chart of this learner (api/charts.py, the one the dashboard shows),
      drawn by app.js's showChart into the marked container. showChart asks for the width of the
      box it draws into: the box has the width of curveWidth while the chart is asked for, and
      its own again once the image is in (shown at its CSS width, scaled; not drawn again for
      it: `follow: false`). */
  async function showCurve() {
    const figure = byId("report-curve");
    const target = figure.querySelector(".chart-box");
    const path = figure.dataset.chartSrc.replace("{learner}", learnerId).replace("{class}", classId);
    try {
      if (!window.B1.showChart) throw new Error("no chart renderer");
      target.style.width = `${curveWidth(target)}px`;
      await window.B1.showChart(target, path, { follow: false });
    } catch (error) {
      target.textContent = "";
      target.append(el("p", { class: "muted", text: t("report_curve_missing") }));
    } finally {
      target.style.width = "";
    }
  }

  function showLevel(progress) {
    byId("report-level").textContent = progress.overall ? levelWords(progress.overall) : t("teach_no_answers");
    // The level is the one at the last answer, not today's (docs/api.md, "Which moment a level
    // is for"): its date, in the page's language, so a report printed weeks later says so.
    const dated = byId("report-level-date");
    dated.textContent = "";
    if (progress.overall && progress.overall.updated_at) {
      dated.append(...tNodes("report_level_as_of", { date: formatDate(progress.overall.updated_at) }));
    }
    dated.hidden = !dated.textContent;
    for (const text of progress.level_description || []) byId("report-meaning").append(localText("p", text));
    const body = byId("report-skills").querySelector("tbody");
    const skills = Object.entries(progress.skills || {});
    byId("report-skills").hidden = skills.length === 0;
    for (const [skill, ability] of skills) {
      body.append(el("tr", {}, el("th", { scope: "row", text: t("skill_" + skill) }), el("td", { text: levelWords(ability) })));
    }
    const last = progress.history[progress.history.length - 1];
    byId("report-parameters").textContent = last && last.parameters
      ? t("report_parameters_run", { run: last.parameters.slice(0, 8) }) : t("report_parameters_content");
  }

  function showActivity(activity) {
    byId("due-empty").hidden = activity.due_reviews.length > 0;
    for (const review of activity.due_reviews) byId("due").append(el("li", { text: review.lemma }));
    byId("recent-summary").textContent = activity.answers_total
      ? t("teach_answers_summary", { count: activity.answers_total, days: activity.days, shown: activity.answers.length })
      : t("teach_answers_none", { days: activity.days });
    const body = byId("recent").querySelector("tbody");
    byId("recent").hidden = activity.answers.length === 0;
    for (const answer of activity.answers) {
      const result = answer.correct === null ? t("teach_answer_placement") : answer.correct ? t("teach_answer_right")
        : answer.partial ? t("teach_answer_almost") : t("teach_answer_wrong");
      body.append(el("tr", {},
        el("td", { text: window.B1.formatDateTime(answer.answered_at, "short") }),
        el("td", { lang: activity.language, dir: "auto", text: answer.prompt || answer.instructions || "" }),
        el("td", { lang: activity.language, dir: "auto", text: answer.answer || "—" }),
        el("td", { text: result })));
    }
  }

  async function start() {
    if (!window.B1.token()) { window.B1.goToLogin(); return; }
    byId("print").addEventListener("click", () => window.print());
    byId("report-date").textContent = window.B1.formatDate(new Date().toISOString());
    if (!classId || !learnerId) { byId("page-error").textContent = t("report_which"); return; }
    byId("back").href = `/teach?class=${classId}&learner=${learnerId}`;
    try {
      const [progress, activity, schoolClass, learners] = await Promise.all([
        api("GET", `/v1/learners/${learnerId}?history_limit=1`),
        api("GET", `/v1/learners/${learnerId}/activity?days=14`),
        api("GET", `/v1/classes/${classId}`),
        api("GET", `/v1/classes/${classId}/learners`)]);
      const learner = learners.find((l) => l.id === learnerId);
      const name = learner ? learner.display_name : progress.username;
      byId("title").textContent = name;
      document.title = `${t("report_page_title", { title: t("report_title"), name })} · ${t("app_name")}`;
      byId("report-class").textContent = `${schoolClass.name} (${window.B1.languageName(schoolClass.language)})`;
      showLevel(progress);
      showActivity(activity);
      await showCurve();
    } catch (error) {
      showError(byId("page-error"), error);
    }
  }

  start();
})();
