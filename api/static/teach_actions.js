/* The teacher dashboard's actions (/teach), beside teach.js: create a class (the list of
   classes); on a learner's page the pathway as set, the words due for review, the answers of the
   last days, and the account: a one-time password, lifting a login lock, allowing a new placement
   test before the usual wait is over, moving to another of the teacher's classes, removing from
   the class (confirmed first). A learner's page starts once teach.js has found the learner in
   the class ("b1:learner-shown", with their name). Every call goes through window.B1.api, so
   roles and problem details are the API's own. */
"use strict";
(function () {
  const { t, api, showError, el, say, languageName } = window.B1;
  const byId = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const classId = Number(params.get("class")) || null;
  const learnerId = Number(params.get("learner")) || null;

  const when = (iso) => window.B1.formatDateTime(iso);

  // ------------------------------------------------------------------ the list of classes

  function setUpClassForm() {
    const select = byId("class-language");
    for (const option of select.options) option.textContent = `${languageName(option.value)} (${option.value})`;
    byId("class-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = byId("class-error");
      const name = byId("class-name").value.trim();
      if (!name) { error.textContent = t("teach_class_name_needed"); byId("class-name").focus(); return; }
      try {
        const created = await api("POST", "/v1/classes", { name, language: select.value });
        location.assign(`/teach?class=${created.id}`);
      } catch (problem) { showError(error, problem); }
    });
  }

  // ------------------------------------------------------------------ a learner

  /** "B1 track", "Construction only", or "Construction 30%, B1 track 70%". */
  function pathwayWords(pathway) {
    if (!pathway) return t("teach_pathway_unset");
    if (!pathway.trade || pathway.trade_share <= 0) return t("teach_pathway_b1");
    const share = Math.round(100 * pathway.trade_share);
    const trade = t("trade_" + pathway.trade);  // the trade's name in the page's language
    return share >= 100 ? t("teach_pathway_trade", { trade })
      : t("teach_pathway_blend", { trade, share, rest: 100 - share });
  }

  async function showPathway() {
    const path = `/v1/classes/${classId}/learners/${learnerId}/pathway`;
    const pathway = await api("GET", path);
    byId("pathway-now").textContent = pathwayWords(pathway);
    if (pathway && pathway.trade) {
      byId("pathway-trade").value = pathway.trade;
      byId("pathway-share").value = Math.round(100 * pathway.trade_share);
    }
    // teach.js saves the form and says so in #status; then this shows what was saved.
    new MutationObserver(async () => {
      if (byId("status").textContent !== t("teach_pathway_saved")) return;
      try { byId("pathway-now").textContent = pathwayWords(await api("GET", path)); } catch (e) { /* shown on reload */ }
    }).observe(byId("status"), { childList: true, characterData: true, subtree: true });
  }

  /** One answer as the learner saw it: the exercise, their answer, right / almost / wrong. */
  function answerItem(answer) {
    const verdict = answer.correct === null ? ["placement", t("teach_answer_placement")]
      : answer.correct ? ["good", t("teach_answer_right")]
        : answer.partial ? ["almost", t("teach_answer_almost")] : ["bad", t("teach_answer_wrong")];
    return el("li", { class: "answer " + verdict[0] },
      el("p", { class: "small muted", text: when(answer.answered_at) }),
      answer.instructions ? el("p", { class: "small target", dir: "auto", text: answer.instructions }) : null,
      answer.prompt ? el("p", { class: "prompt-line target", dir: "auto", text: answer.prompt }) : null,
      answer.options.length ? el("p", { class: "small muted" }, t("teach_answer_options") + " ",
        el("bdi", { class: "target", text: answer.options.join(" · ") })) : null,
      el("p", {}, el("strong", { text: t("teach_answer_given") + " " }), el("span", { class: "target", dir: "auto", text: answer.answer || "—" }),
        " ", el("span", { class: "verdict", text: verdict[1] })));
  }

  async function showActivity() {
    const activity = await api("GET", `/v1/learners/${learnerId}/activity?days=7`);
    const due = byId("due");
    byId("due-empty").hidden = activity.due_reviews.length > 0;
    for (const review of activity.due_reviews) due.append(el("li", { text: review.lemma }));
    byId("answers-summary").textContent = activity.answers_total
      ? t("teach_answers_summary", { count: activity.answers_total, days: activity.days, shown: activity.answers.length })
      : t("teach_answers_none", { days: activity.days });
    const list = byId("answers");
    for (const answer of activity.answers) list.append(answerItem(answer));
    // The exercises and answers are in the language the class learns (their own direction).
    if (activity.language) for (const node of list.querySelectorAll(".target")) node.lang = activity.language;
  }

  async function copySecret() {
    const code = byId("one-time-password");
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(code.textContent);
      else {  // plain http on a school's server: the old way
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
      }
      say(t("teach_copied"));
    } catch (error) { say(t("teach_copy_failed")); }
  }

  /** The learner may start one placement test now, whatever the retake interval (the API's
      rule: one allowance open at most; it is used up by the next test). */
  async function allowRetake(name) {
    const done = byId("retake-done");
    done.hidden = true;
    try {
      await api("POST", `/v1/learners/${learnerId}/placement-retakes`);
      byId("retake-error").textContent = "";
      done.textContent = t("teach_retake_done", { name });
      done.hidden = false;  // beside the button; #status says it to a screen reader
      say(done.textContent);
    } catch (problem) { showError(byId("retake-error"), problem); }
  }

  function setUpAccount(name) {
    const error = byId("account-error");
    byId("allow-retake").addEventListener("click", () => allowRetake(name));
    byId("reset-password").addEventListener("click", async () => {
      try {
        const reply = await api("POST", `/v1/learners/${learnerId}/password-reset`);
        error.textContent = "";
        byId("one-time-password").textContent = reply.one_time_password;
        byId("one-time").hidden = false;
        say(t("teach_password_reset_done", { username: reply.username }));
      } catch (problem) { showError(error, problem); }
    });
    byId("copy-password").addEventListener("click", copySecret);
    byId("lift-lock").addEventListener("click", async () => {
      try {
        await api("DELETE", `/v1/learners/${learnerId}/login-lock`);
        error.textContent = "";
        say(t("teach_lock_lifted"));
      } catch (problem) { showError(error, problem); }
    });
    api("GET", "/v1/classes").then((list) => {
      const others = list.filter((c) => c.id !== classId);
      byId("move-form").hidden = others.length === 0;
      byId("move-none").hidden = others.length > 0;
      for (const other of others) byId("move-class").append(el("option", { value: other.id, text: other.name }));
    }).catch((problem) => showError(error, problem));
    byId("move-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const target = Number(byId("move-class").value);
      try {
        await api("PUT", `/v1/classes/${target}/learners/${learnerId}`);
        location.assign(`/teach?class=${target}&learner=${learnerId}`);
      } catch (problem) { showError(error, problem); }
    });
    const confirm = byId("remove-confirm");
    byId("remove").addEventListener("click", () => {
      byId("remove-question").textContent = t("teach_remove_question", { name });
      confirm.hidden = false;
      byId("remove-question").focus();
    });
    byId("remove-no").addEventListener("click", () => { confirm.hidden = true; byId("remove").focus(); });
    byId("remove-yes").addEventListener("click", async () => {
      try {
        await api("DELETE", `/v1/classes/${classId}/learners/${learnerId}`);
        location.assign(`/teach?class=${classId}`);
      } catch (problem) { showError(error, problem); }
    });
  }

  /** A learner's page, once teach.js found the learner in the class: `name` as the teacher wrote it. */
  function showLearner(name) {
    byId("report-link").href = `/teach/report?class=${classId}&learner=${learnerId}`;
    setUpAccount(name);
    const failed = (problem) => showError(byId("page-error"), problem);
    showPathway().catch(failed);
    showActivity().catch(failed);
  }

  function start() {
    if (!window.B1.token()) return;  // teach.js sends the reader to the login page
    if (!classId) { setUpClassForm(); return; }
    if (!learnerId) return;
    // This script runs first (the page's scripts keep their order): the event comes after.
    document.addEventListener("b1:learner-shown", (event) => showLearner(event.detail.name), { once: true });
  }

  start();
})();
