/* The learner app: log in, home, a placement test or a drill, the result, progress.
   Uses window.B1 (app.js). One function per page, chosen by <body data-page>. */
"use strict";
(function () {
  const { t, api, ApiError, NetworkError, showError, el, localText, uuid } = window.B1;
  /** An answer not yet acknowledged by the server, kept across a reload (sent again as it was). */
  const PENDING_KEY = "b1.pending";
  /** Seconds between tries after a dropped connection; then the learner is asked. */
  const RETRY_DELAYS = [1, 2, 4, 8];

  const byId = (id) => document.getElementById(id);
  /** The page's language and direction, for its words inside an exercise. */
  const ui = () => ({ lang: document.documentElement.lang, dir: document.documentElement.dir });
  const percent = (p) => Math.round(100 * p);

  /** "B1 — 84% sure". */
  function levelSure(level, probabilities) {
    return t("level_sure", { level, percent: percent((probabilities || {})[level] || 0) });
  }

  function isToday(iso) {
    const day = new Date(iso), now = new Date();
    return day.getFullYear() === now.getFullYear() && day.getMonth() === now.getMonth() && day.getDate() === now.getDate();
  }

  function drillsToday(sessions) {
    return (sessions || []).filter((s) => s.mode === "drill" && s.status === "done" && isToday(s.created_at)).length;
  }

  function showGoal(target, sessions) {
    const done = drillsToday(sessions) > 0;
    target.textContent = "";
    target.append(el("strong", { class: done ? "good" : "", text: done ? t("goal_done") : t("goal_not_yet") }),
                  " ", t("goal_rule"));
  }

  function requireToken() {
    if (!window.B1.token()) { window.B1.goToLogin(); return false; }
    return true;
  }

  // ------------------------------------------------------------------ log in

  function safeNext() {
    const next = new URLSearchParams(location.search).get("next") || "/";
    return next.startsWith("/") && !next.startsWith("//") ? next : "/";
  }

  async function afterLogin() {
    const me = await api("GET", "/v1/auth/me");
    if (me.role === "author" || (me.role === "admin" && safeNext().startsWith("/author"))) {
      location.assign("/author");  // the author studio (api/static/author.js)
      return;
    }
    if (me.role === "teacher" || me.role === "admin") {
      location.assign("/teach");  // the teacher dashboard (api/static/teach.js)
      return;
    }
    if (me.role !== "learner") {
      throw new window.B1.Notice(t("login_not_learner"));
    }
    const progress = await api("GET", "/v1/learners/me?history_limit=1");
    const shown = document.documentElement.lang;
    if (progress.support_language) {
      window.B1.setLanguage(progress.support_language);
    } else if (shown !== "en" && window.B1.chosenLanguage() === shown) {
      // Chosen on this page before logging in: it becomes the learner's language (a page shown
      // in the browser's language is no choice of theirs, and follows the browser).
      await api("PATCH", "/v1/learners/me", { support_language: shown });
    }
    location.assign(safeNext());
  }

  function loginPage() {
    const form = byId("login-form"), error = byId("form-error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError(error, null);
      const username = byId("username").value.trim(), password = byId("password").value;
      if (!username || !password) { error.textContent = t("login_missing"); return; }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const reply = await api("POST", "/v1/auth/token", new URLSearchParams({ username, password }));
        window.B1.setToken(reply.access_token);
        if (reply.password_change_required) { location.assign("/password"); return; }
        await afterLogin();
      } catch (failure) {
        showError(error, failure);
        button.disabled = false;
      }
    });
  }

  /** The password page in the account's own language (its support language) when the API
      names it and the page offers it: a new learner's first pages are in their language. */
  async function followAccountLanguage() {
    let me;
    try { me = await api("GET", "/v1/auth/me"); } catch (failure) { return; }
    const wanted = me && me.support_language;
    const offered = wanted && Array.from(byId("language").options).some((option) => option.value === wanted);
    if (offered && wanted !== document.documentElement.lang) {
      window.B1.setLanguage(wanted);
      location.reload();
    }
  }

  function passwordPage() {
    if (!requireToken()) return;
    followAccountLanguage();
    const form = byId("password-form"), error = byId("form-error");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError(error, null);
      const current = byId("current-password").value, fresh = byId("new-password").value;
      if (fresh !== byId("repeat-password").value) { error.textContent = t("password_mismatch"); return; }
      // The API's 422 for this names the same field as its other rules: said here, in the page's words.
      if (fresh === current) { error.textContent = t("password_same"); return; }
      try {
        const reply = await api("POST", "/v1/auth/password", { current_password: current, new_password: fresh });
        window.B1.setToken(reply.access_token);
        await afterLogin();
      } catch (failure) {
        showError(error, failure);
      }
    });
  }

  // ------------------------------------------------------------------ home

  async function homePage() {
    if (!requireToken()) return;
    const error = byId("home-error");
    let me, account;
    try {
      // The account for the name people read (its display name); the progress for the rest.
      [me, account] = await Promise.all([api("GET", "/v1/learners/me?history_limit=1"),
                                         api("GET", "/v1/auth/me").catch(() => null)]);
    } catch (failure) { showError(error, failure); return; }
    const greeting = byId("greeting");
    greeting.textContent = "";
    greeting.append(...window.B1.tNodes("home_hello", { name: (account && account.display_name) || me.username }));
    byId("level-now").textContent = me.placement_in_progress ? t("level_in_test")
      : me.overall ? t("level_now", { level: levelSure(me.overall.level, me.overall.level_probabilities) })
      : t("level_none");
    const offerToContinue = (id, mode) => {
      const link = byId("continue");
      link.href = "/practice?session=" + encodeURIComponent(id);
      link.textContent = t(mode === "placement" ? "continue_placement" : "continue_drill");
      byId("continue-wrap").hidden = false;
      return link;
    };
    const open = (me.sessions || []).find((s) => s.status === "active");
    if (open) offerToContinue(open.id, open.mode);
    showGoal(byId("goal"), me.sessions);
    const start = async (mode, button) => {
      showError(error, null);
      if (!me.language) { error.textContent = t("error_no_language"); return; }
      button.disabled = true;
      try {
        // The track and trade of a drill come from the learner's pathway: the service decides.
        const session = await api("POST", "/v1/sessions", { language: me.language, mode, track: "b1", trade: null });
        location.assign("/practice?session=" + encodeURIComponent(session.id));
      } catch (failure) {
        showError(error, failure);
        button.disabled = false;
        error.focus && error.setAttribute("tabindex", "-1");
        // A placement test already under way: the way on is to continue it, one tap away.
        const known = window.B1.knownProblem(failure);
        if (known && known.key === "error_placement_open") offerToContinue(failure.problem.session_id, "placement");
      }
    };
    // The start buttons come disabled (home.html) and work from here on: a tap before the
    // learner's language was known would start nothing, and a slow phone would show no reason.
    byId("start-drill").addEventListener("click", (e) => start("drill", e.currentTarget));
    byId("start-placement").addEventListener("click", (e) => start("placement", e.currentTarget));
    byId("start-drill").disabled = false;
    byId("start-placement").disabled = false;
    // An activity opened from the school's learning platform (LTI) names what the course asks
    // for: that one comes first, as the main button, with the focus on it.
    const activity = new URLSearchParams(location.search).get("activity");
    if (activity === "placement" || activity === "drill") {
      const chosen = byId("start-" + activity);
      byId(activity === "placement" ? "start-drill" : "start-placement").classList.remove("primary");
      chosen.classList.add("primary");
      const card = chosen.closest(".card");
      card.parentNode.prepend(card);
      chosen.focus();
    }
  }

  // ------------------------------------------------------------------ practice

  function practicePage() {
    if (!requireToken()) return;
    const sessionId = new URLSearchParams(location.search).get("session");
    const error = byId("practice-error");
    const form = byId("exercise"), area = byId("answer-area"), check = byId("check");
    let mode = "drill", item = null, shownAt = 0, readAnswer = () => null, answered = 0;

    if (!sessionId) { error.textContent = t("error_no_session"); return; }

    const pending = {
      load() {
        try {
          const saved = JSON.parse(localStorage.getItem(PENDING_KEY) || "null");
          return saved && saved.session === sessionId ? saved.body : null;
        } catch (e) { return null; }
      },
      save(body) { localStorage.setItem(PENDING_KEY, JSON.stringify({ session: sessionId, body })); },
      clear() { localStorage.removeItem(PENDING_KEY); },
    };

    function connection(message, canResend) {
      byId("connection").hidden = !message;
      byId("connection-text").textContent = message || "";
      byId("resend").hidden = !canResend;
    }

    const wait = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const askToResend = () => new Promise((resolve) => {
      byId("resend").addEventListener("click", resolve, { once: true });
      byId("resend").focus();
    });

    /** Send an answer until the server has it: the same body, the same client_response_id,
        after a dropped connection (the server records it once, and answers a repeat with
        the first result). */
    async function send(body) {
      for (let attempt = 0; ; attempt++) {
        try {
          const reply = await api("POST", `/v1/sessions/${encodeURIComponent(sessionId)}/responses`, body);
          pending.clear();
          connection(null);
          return reply;
        } catch (failure) {
          if (failure instanceof NetworkError || (failure instanceof ApiError && failure.status >= 500)) {
            if (attempt < RETRY_DELAYS.length) {
              connection(t("connection_retrying"), false);
              await wait(RETRY_DELAYS[attempt]);
            } else {
              connection(t("connection_lost"), true);
              await askToResend();
              attempt = -1;
            }
            continue;
          }
          if (failure instanceof ApiError && failure.status === 429) {
            const seconds = Number(failure.problem.retry_after) || 5;
            connection(t("connection_wait", { seconds }), false);
            await wait(seconds);
            continue;
          }
          pending.clear();
          connection(null);
          throw failure;
        }
      }
    }

    function setCounter() { byId("counter").textContent = t("question_number", { n: answered + 1 }); }

    function renderItem(current) {
      item = current;
      area.textContent = "";
      byId("feedback").hidden = true;
      form.hidden = false;
      form.classList.toggle("has-passage", Boolean(current.passage));
      const passage = byId("passage");
      passage.hidden = !current.passage;
      passage.textContent = current.passage || "";
      // The exercise in the language learnt (every one is written left to right), also on a
      // right-to-left page; the page's own words inside it keep the page's language (ui()).
      passage.lang = current.language;
      passage.dir = "ltr";
      const question = form.querySelector(".question");
      question.lang = current.language;
      question.dir = "ltr";
      // Quotes in the language learnt inside words in the learner's language keep their own
      // direction (exercise.js quotedText); every text is set as text, never as markup.
      const { quotedText } = window.B1.exercise;
      const learnt = { lang: current.language, dir: "ltr" };
      quotedText(byId("instructions"), current.instructions || "");
      const support = byId("instructions-support");
      support.hidden = !current.instructions_support;
      if (current.instructions_support) {
        quotedText(support, current.instructions_support.text, learnt);
        support.lang = current.instructions_support.language;
        support.dir = current.instructions_support.direction;
      }
      const hint = byId("hint");
      hint.hidden = !current.hint;
      if (current.hint) {
        quotedText(hint, current.hint.text, current.hint.language === current.language ? null : learnt);
        hint.lang = current.hint.language;
        hint.dir = current.hint.direction;
      }
      check.textContent = t("check");
      Object.assign(check, ui());
      // The controls are exercise.js's, shared with the author studio's preview.
      const drawn = window.B1.exercise.render(current, area, check);
      readAnswer = drawn.readAnswer;
      const first = drawn.first;
      setCounter();
      shownAt = Date.now();
      (first || area.querySelector("input, button") || form).focus();
    }

    function showResult(result) {
      form.hidden = true;
      byId("feedback").hidden = true;
      byId("counter").textContent = "";
      const section = byId("result");
      section.hidden = false;
      const placement = result.mode === "placement";
      byId("result-title").textContent = t(placement ? "result_placement_title" : "result_drill_title");
      byId("result-level").textContent = levelSure(result.level, result.level_probabilities);
      byId("result-summary").textContent = placement ? t("result_placement_summary", { n: result.items_answered })
        : t("result_drill_summary", { correct: result.correct ?? 0, n: result.items_answered });
      const description = byId("result-description");
      description.textContent = "";
      for (const text of result.level_description || []) description.append(localText("p", text));
      const skills = byId("result-skills");
      skills.textContent = "";
      const entries = Object.entries(result.skills || {});
      byId("result-skills-title").hidden = !entries.length;
      for (const [skill, level] of entries) {
        skills.append(el("li", {}, el("span", { text: t("skill_" + skill) }),
                         el("strong", { text: t("level_sure", { level: level.level, percent: percent(level.probability) }) })));
      }
      section.focus();
    }

    function show(step) {
      if (step.done) showResult(step.result);
      else renderItem(step.item);
    }

    function showFeedback(reply) {
      const box = byId("feedback");
      const full = reply.score === reply.max_score, some = reply.score > 0;
      box.className = "feedback " + (full ? "good" : some ? "almost" : "bad");
      byId("feedback-title").textContent = t(full ? "feedback_right" : some ? "feedback_almost" : "feedback_wrong");
      const right = byId("right-answer");
      right.textContent = "";
      if (reply.right_answer) {
        right.append(t("right_answer") + " ", el("strong", { lang: item.language, text: reply.right_answer }));
      }
      window.B1.exercise.quotedText(byId("explanation"), reply.feedback || "");
      byId("explanation").lang = item.language;
      byId("explanation").dir = "ltr";
      for (const label of area.querySelectorAll(".option")) {
        const input = label.querySelector("input");
        if (input.checked) label.classList.add(full ? "is-right" : "is-wrong");
        if (!full && reply.right_answer && label.dataset.text === reply.right_answer) label.classList.add("is-right");
      }
      for (const control of form.querySelectorAll("input, button")) control.disabled = true;
      box.hidden = false;
      const next = byId("next");
      next.onclick = () => { for (const c of form.querySelectorAll("input, button")) c.disabled = false; show(reply.next); };
      next.focus();
    }

    async function answerWith(body) {
      check.disabled = true;
      showError(error, null);
      try {
        const reply = await send(body);
        answered = reply.items_answered ?? answered + 1;
        if (mode === "drill" && reply.score !== null && reply.score !== undefined) showFeedback(reply);
        else show(reply.next);
      } catch (failure) {
        showError(error, failure);
        check.disabled = false;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const answer = readAnswer();
      if (answer === null || answer === "" || (Array.isArray(answer) && !answer.length)) return;
      const body = { item_id: item.id, answer, response_ms: Math.min(Date.now() - shownAt, 86_400_000),
                     client_response_id: uuid() };
      pending.save(body);
      answerWith(body);
    });

    (async () => {
      try {
        const session = await api("GET", `/v1/sessions/${encodeURIComponent(sessionId)}`);
        mode = session.mode;
        answered = session.items_answered;
        byId("practice-title").textContent = t(mode === "placement" ? "placement_title" : "drill_title");
        const saved = pending.load();
        if (saved) {
          // An answer sent before a reload or a lost connection: sent again as it was.
          connection(t("connection_resending"), false);
          const reply = await send(saved);
          answered = reply.items_answered ?? answered;
          show(reply.next);
          return;
        }
        show(await api("GET", `/v1/sessions/${encodeURIComponent(sessionId)}/next`));
      } catch (failure) { showError(error, failure); }
    })();
  }

  // ------------------------------------------------------------------ progress

  async function progressPage() {
    if (!requireToken()) return;
    const error = byId("progress-error");
    let me;
    try {
      me = await api("GET", "/v1/learners/me?history_limit=500");
    } catch (failure) { showError(error, failure); return; }
    showGoal(byId("goal"), me.sessions);
    byId("level-now").textContent = me.placement_in_progress ? t("level_in_test")
      : me.overall ? t("level_now", { level: levelSure(me.overall.level, me.overall.level_probabilities) })
      : t("level_none");
    const description = byId("level-description");
    if (me.overall) for (const text of me.level_description || []) description.append(localText("p", text));
    const chart = byId("chart");
    if (me.history && me.history.length) {
      // The server's chart (api/charts.py): the one the learner's teacher sees.
      window.B1.showChart(chart, `/v1/learners/${me.id}/ability-chart`).then(() => {
        chart.append(el("figcaption", { class: "muted small", text: t("chart_caption", { n: me.history.length }) }));
      }).catch((failure) => showError(error, failure));
    } else {
      chart.hidden = true;
    }
    const skillsChart = byId("skills-chart");
    if (me.history && me.history.length) {
      // Each skill over time (api/charts.py, one panel per skill): the same drawing as the teacher's.
      skillsChart.hidden = false;
      window.B1.showChart(skillsChart, `/v1/learners/${me.id}/skills-chart`).then(() => {
        skillsChart.append(el("figcaption", { class: "muted small", text: t("skills_chart_caption") }));
      }).catch((failure) => showError(error, failure));
    }
    const skills = byId("skills");
    const entries = Object.entries(me.skills || {});
    if (!entries.length) skills.append(el("li", { text: t("level_none") }));
    for (const [skill, ability] of entries) {
      skills.append(el("li", {}, el("span", { text: t("skill_" + skill) }),
                       el("strong", { text: levelSure(ability.level, ability.level_probabilities) })));
    }
    const now = Date.now();
    const due = (me.reviews || []).filter((review) => new Date(review.due).getTime() <= now);
    const later = (me.reviews || []).length - due.length;
    byId("reviews-summary").textContent = due.length ? t("reviews_due", { n: due.length, later })
      : t("reviews_none_due", { later });
    const list = byId("reviews");
    for (const review of due) list.append(el("li", { lang: me.language, text: review.lemma }));
  }

  const pages = { login: loginPage, password: passwordPage, home: homePage, practice: practicePage, progress: progressPage };
  const page = pages[document.body.dataset.page];
  if (page) page();
})();
