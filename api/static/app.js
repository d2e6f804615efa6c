/* B1 Engine pages: what every page shares (the learner's, later the teacher's and the author's).
   No framework: the token in sessionStorage, one fetch wrapper that turns problem details
   (RFC 9457) into readable messages, the page's words, the language picker, log out. */
"use strict";
(function () {
  const TOKEN_KEY = "b1.token";
  const LANGUAGE_COOKIE = "b1lang";
  const texts = JSON.parse(document.getElementById("texts").textContent);
  const pageLanguage = () => document.documentElement.lang || "en";

  /** A text's plural choices, ICU's `{count, plural, one {…} other {…}}` (`=2 {…}` for an exact
      number), made by the page language's CLDR rules (Intl.PluralRules): "1 word is", "2 words
      are". A number written with decimals takes their plural ("1.0 levels"); a branch may hold
      {placeholders}. Texts without a choice are unchanged. */
  const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|\w+)\s*\{(?:[^{}]|\{\w+\})*\})+)\s*\}/g;
  const BRANCH = /(=\d+|\w+)\s*\{((?:[^{}]|\{\w+\})*)\}/g;
  function plurals(text, values) {
    return text.replace(PLURAL, (whole, name, branches) => {
      if (!values || !(name in values)) return whole;
      const written = shown(values[name]);
      const number = typeof values[name] === "number" ? values[name]
        : Number(written.split(t("number_group")).join("").replace(t("number_decimal"), ".").replace(t("number_minus"), "-"));
      const decimals = (written.split(t("number_decimal"))[1] || "").length;
      let category = "other";
      try {
        category = new Intl.PluralRules(pageLanguage(), { minimumFractionDigits: decimals })
          .select(Math.abs(number));
      } catch (error) { /* an unknown language: "other" */ }
      const forms = Object.fromEntries([...branches.matchAll(BRANCH)].map((m) => [m[1], m[2]]));
      const form = forms["=" + number] ?? forms[category] ?? forms.other ?? "";
      return form.replace(/#/g, written);
    });
  }

  /** A value as the page's words show it: a whole number as the page's language writes it
      ("1,234"; "1 234" in French: formatNumber), anything else as it is (a number written
      already, a name, a date). */
  function shown(value) {
    return typeof value === "number" && Number.isInteger(value) ? formatNumber(value, 0) : String(value);
  }

  /** The page's words: t('home_hello', {name: 'Ana'}) fills {name}; an unknown key shows itself. */
  function t(key, values) {
    const text = plurals(Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key, values);
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? shown(values[name]) : whole));
  }

  /** The page's words with each {value} isolated (<bdi>): a name, a date or a number in another
      script or direction keeps its place in the sentence. Returns nodes to append. */
  function tNodes(key, values) {
    const text = plurals(Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key, values);
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(/\{(\w+)\}/g)) {
      if (!values || !(match[1] in values)) continue;
      nodes.push(text.slice(last, match.index));
      const value = values[match[1]];
      nodes.push(value instanceof Node ? value : Object.assign(document.createElement("bdi"), { textContent: shown(value) }));
      last = match.index + match[0].length;
    }
    nodes.push(text.slice(last));
    return nodes.filter((node) => node !== "");
  }

  /** A network failure (no reply at all): the caller may send the same request again. */
  class NetworkError extends Error {}

  /** A reply that is not 2xx: `problem` is its problem-details body (or one made up);
      `method` and `path`: the request it answers (the route decides what a status means). */
  class ApiError extends Error {
    constructor(status, problem, method = "", path = "") {
      super(problem.detail || problem.title || String(status));
      this.status = status;
      this.problem = problem;
      this.method = method;
      this.path = path;
    }
  }

  /** A message already in the page's language (not a reply of the API). */
  class Notice extends Error {}

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  /** The role signed into the token at login (its payload's `role`, api/security.py
      create_token), or null. Read without checking the signature: only to show a page's links;
      the API checks every request itself. */
  function tokenRole() {
    const payload = (token() || "").split(".")[1];
    if (!payload) return null;
    try {
      const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(atob(base64.padEnd(base64.length + (4 - (base64.length % 4)) % 4, "=")));
      return typeof claims.role === "string" ? claims.role : null;
    } catch (error) { return null; }
  }
  function setToken(value) { sessionStorage.setItem(TOKEN_KEY, value); }

  function goToLogin() {
    sessionStorage.removeItem(TOKEN_KEY);
    const here = location.pathname + location.search;
    location.assign(here === "/" ? "/login" : "/login?next=" + encodeURIComponent(here));
  }

  /** A call to the JSON API. `body`: an object (JSON) or URLSearchParams (a form).
      Resolves to the parsed JSON (null for 204); rejects with ApiError or NetworkError.
      401: the token is gone or expired, the learner logs in again; 403 that asks for a new
      password first: the password page. */
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const bearer = token();
    if (bearer) headers.Authorization = "Bearer " + bearer;
    let payload;
    if (body instanceof URLSearchParams) payload = body;
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload, cache: "no-store" });
    } catch (error) {
      throw new NetworkError(error.message);
    }
    if (response.status === 204) return null;
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (response.ok) return data;
    const problem = data && typeof data === "object" ? data : { title: response.statusText, status: response.status };
    if (response.status === 401 && bearer && path !== "/v1/auth/token") { goToLogin(); }
    if (response.status === 403 && /POST \/v1\/auth\/password/.test(problem.detail || "") && location.pathname !== "/password") {
      location.assign("/password");
    }
    throw new ApiError(response.status, problem, method, path.split("?")[0]);
  }

  /** A moment as the page's language writes it: a day ("21 December 2026", "7 ديسمبر 2026") or,
      with `style`, Intl's dateStyle and timeStyle. Always on the school's (Gregorian) calendar,
      which a locale's own default is not everywhere (fa: the Solar Hijri "۱۶ آذر ۱۴۰۵"); the ISO
      form if the browser cannot; "" for no moment. The one way the pages write a date. */
  function formatDate(iso, style = { dateStyle: "long" }) {
    const moment = new Date(iso);
    if (iso === null || iso === undefined || Number.isNaN(moment.getTime())) return "";
    try {
      // The language's `date_locale` text, as the charts' (api/charts.py short_date): the app's
      // Persian is Dari, whose months are Afghanistan's ("دسمبر", not Iran's "دسامبر"); its English
      // is read in Scotland ("5 March 2026", not the US "March 5, 2026").
      return new Intl.DateTimeFormat(t("date_locale"), { ...style, calendar: "gregory" }).format(moment);
    } catch (error) { return moment.toISOString().slice(0, style.timeStyle ? 16 : 10).replace("T", " "); }
  }

  /** A language's name in the page's language ("Norwegian Bokmål"), its code if the browser has none. */
  function languageName(code) {
    try { return new Intl.DisplayNames([pageLanguage()], { type: "language" }).of(code) || code; } catch (e) { return code; }
  }

  /** A date and time (a run, an answer, a password's moment): `formatDate`'s rules, the date in
      the language's `date_time_style` (Intl's dateStyle: "medium" shortens the month, "8 Dec
      2026"; Dari print does not, so Dari's is "long": «8 دسمبر 2026»). */
  const formatDateTime = (iso, dateStyle = t("date_time_style")) => formatDate(iso, { dateStyle, timeStyle: "short" });

  /** A wait in seconds as the page's language says it, in minutes past 90 s. */
  function formatWait(seconds) {
    const minutes = seconds > 90;
    const amount = minutes ? Math.ceil(seconds / 60) : Math.max(1, Math.round(seconds));
    try {
      // Western digits, as every number on the pages (Intl writes Dari's in Persian ones).
      return new Intl.NumberFormat(pageLanguage(), { style: "unit", unit: minutes ? "minute" : "second",
                                                     unitDisplay: "long", numberingSystem: "latn" }).format(amount);
    } catch (error) { return `${amount} ${minutes ? "min" : "s"}`; }
  }

  const SESSION_PATH = /^\/v1\/sessions\/[^/]+(\/(next|responses))?$/;
  /** The problems a learner meets, in the page's words. Each is known by the problem's `code`
      (its stable name, docs/api.md "Errors"; never by its English `detail`), with the request
      where the same code means something else elsewhere (429 at login is a wait before trying
      a password again); a server error by its status alone. First match wins; `values` fill the text from the problem's members
      (`retry_after`, `available_from`): dates and waits in the page's language, never ids. */
  const KNOWN_PROBLEMS = [
    { code: "login_failed", key: "error_login_wrong" },
    { code: "account_disabled", key: "error_account_disabled" },
    { code: "too_many_requests", path: /^\/v1\/auth\/(token|password)$/, key: "error_login_wait",
      values: (p) => ({ wait: formatWait(Number(p.retry_after) || 60) }) },
    { code: "password_wrong", key: "error_password_current" },
    { code: "password_rejected", key: "error_password_rejected" },
    { code: "placement_too_soon", key: "error_placement_wait", values: (p) => ({ date: formatDate(p.available_from) }) },
    { code: "placement_open", key: "error_placement_open" },
    { code: "no_exercises", key: "error_no_exercises" },
    { code: "session_not_found", path: SESSION_PATH, key: "error_session_missing" },
    { code: "item_not_waiting", key: "error_answer_stale" },
    { code: "session_finished", key: "error_answer_stale" },
    { code: "too_many_requests", key: "error_wait", values: (p) => ({ wait: formatWait(Number(p.retry_after) || 5) }) },
    // A learner's or an account's name (a teacher adding a class from a list meets these most).
    { code: "name_in_class", key: "error_name_in_class", values: (p) => ({ name: p.name, username: p.username }) },
    { code: "name_empty", key: "error_name_empty" },
    { code: "name_too_long", key: "error_name_too_long", values: (p) => ({ max: Number(p.max_length) }) },
    { code: "name_invisible", key: "error_name_invisible", values: (p) => ({ character: p.character }) },
    { code: "name_no_letters", key: "error_name_no_letters" },
    { code: "support_language_unknown", key: "error_support_language", values: (p) => ({ language: p.language,
      choices: new Intl.ListFormat(t("date_locale"), { type: "disjunction" }).format(p.choices || []) }) },
    // An admin's changes to accounts and parameters that would leave something broken.
    { code: "username_taken", key: "error_username_taken", values: (p) => ({ username: p.username }) },
    { code: "last_admin", key: "error_last_admin", values: (p) => ({ username: p.username }) },
    { code: "teaches_classes", key: "error_teaches_classes", values: (p) => ({ username: p.username, classes: Number(p.classes) }) },
    { code: "learner_in_class", key: "error_learner_in_class", values: (p) => ({ username: p.username }) },
    { code: "calibration_running", key: "error_calibration_running", values: (p) => ({ since: formatDateTime(p.since) }) },
    { code: "rollback_not_latest", key: "admin_rollback_rule" },
    // By status: a proxy's 500 or 503 in front of the service says it without a problem body.
    { status: 500, key: "error_server" },
    { status: 503, key: "error_server" },
  ];

  /** The page's words for `error` ({key, values}), or null when only the API's English says it. */
  function knownProblem(error) {
    if (!(error instanceof ApiError) || !error.path) return null;
    const problem = error.problem || {};
    const known = KNOWN_PROBLEMS.find((entry) => (entry.code ? entry.code === problem.code : entry.status === error.status)
      && (!entry.path || entry.path.test(error.path)));
    return known ? { key: known.key, values: known.values ? known.values(problem) : undefined } : null;
  }

  /** An error as a person reads it: a known problem in the page's words; any other, the
      problem's detail, then each field's message, in English (the API's words) marked as
      English and set left to right on its own, so a right-to-left page does not scramble it. */
  function showError(target, error) {
    target.textContent = "";
    if (!error) return;
    const lead = document.createElement("p");
    lead.style.margin = "0";
    target.append(lead);
    const known = knownProblem(error);
    if (known) { lead.append(...tNodes(known.key, known.values)); return; }
    if (error instanceof Notice) { lead.textContent = error.message; return; }
    const problem = error instanceof ApiError ? error.problem : null;
    if (!problem) { lead.textContent = error instanceof NetworkError ? t("error_network") : t("error_unexpected"); return; }
    Object.assign(lead, ENGLISH, { textContent: problem.detail || problem.title });
    if (Array.isArray(problem.errors) && problem.errors.length) {
      target.append(el("ul", {}, ...problem.errors.map((item) => el("li", {}, ...fieldProblemNodes(item)))));
    }
  }

  const ENGLISH = { lang: "en", dir: "ltr" };

  /** One bad field's problem (an `errors` entry of a 422) in the page's language where its code
      has a text (`field_<code>`, docs/api.md "Field codes"); else the service's English words,
      marked as English. Choices are joined with the language's "or"; other lists (words of the
      language learnt, exercise ids) with its separator only: a joining word or suffix of the
      page's language would stick to them (Tigrinya -ን, Arabic و). */
  function fieldProblemNodes(problem) {
    const key = problem.code ? `field_${problem.code}` : null;
    const english = [el("span", { ...ENGLISH, text: problem.message })];
    if (!key || !Object.prototype.hasOwnProperty.call(texts, key)) return english;
    const values = {};
    for (const [name, value] of Object.entries(problem.values || {})) {
      if (!Array.isArray(value)) values[name] = value;
      else if (name === "choices") values[name] = new Intl.ListFormat(t("date_locale"), { type: "disjunction" }).format(value);
      else values[name] = value.join(t("list_separator"));
    }
    // A value that did not come (a YAML error without a line) would show "{line}": English instead.
    if (/\{\w+[},]/.test(t(key, values))) return english;
    return tNodes(key, values);
  }

  /** A new element: el("p", {class: "x", text: "..."}, child, ...). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  /** A text the API sent with its language and direction ({text, language, direction}). */
  function localText(tag, local, attributes) {
    return el(tag, { ...attributes, lang: local.language, dir: local.direction, text: local.text });
  }

  /** A random UUID (v4). crypto.randomUUID needs a secure context, which a school's server on
      plain http is not; getRandomValues works everywhere. */
  function uuid() {
    if (window.crypto && crypto.randomUUID && window.isSecureContext) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** The interface language: a cookie the server reads to render the next page in it. */
  function setLanguage(code) {
    document.cookie = `${LANGUAGE_COOKIE}=${encodeURIComponent(code)}; path=/; max-age=31536000; samesite=lax`;
  }

  function say(message) { document.getElementById("status").textContent = message; }

  /** `x` as the page's language writes it: `digits` decimals, the decimal sign, the thousands
      separator and the minus of its texts (`number_decimal`, `number_group`, `number_minus`:
      "+0,3", "−0,1" and "1 234" in French; the alerts' numbers are written from the same texts,
      api/services/alerts.py), Western digits as every number on the pages; `sign`: "+" before
      a positive number too. Never "-0.0". */
  function formatNumber(x, digits, sign = false) {
    const text = Math.abs(x).toFixed(digits);
    const negative = x < 0 && Number(text) !== 0;
    const [whole, fraction] = text.split(".");
    // Groups of three from 1,000 on: CLDR's minimum grouping digits is 1 in the pages' languages.
    const grouped = whole.replace(/\B(?=(\d{3})+$)/g, t("number_group"));
    return (negative ? t("number_minus") : sign ? "+" : "") + grouped + (fraction ? t("number_decimal") + fraction : "");
  }

  /** A drawn chart's width changes by this share (a phone turned, a window widened) before it is
      drawn again for the new width: the server wraps a class's panels to fit, so a scaled drawing
      would show a phone's single column blown up on a desktop. */
  const REDRAW_CHANGE = 0.1;
  /** Resizing settles this long (ms) before the chart is asked for again: one request, not one per frame. */
  const REDRAW_DELAY_MS = 300;

  function chartWidth(target) {
    return Math.max(320, Math.min(2560, Math.round(target.clientWidth || 640)));
  }

  /** Draws the chart at `path` for `target`'s width: the image and its table replace the ones drawn
      before (anything else in `target`, such as a caption, stays); the first drawing replaces
      whatever `target` held (a "drawing…" note). A drawing asked for after this one wins. */
  async function drawChart(target, path) {
    const width = chartWidth(target);
    const request = (target.chartRequest || 0) + 1;
    target.chartRequest = request;
    // The chart's words in the page's language (api/charts.py: the same drawing, its words translated).
    const lang = encodeURIComponent(pageLanguage());
    const chart = await api("GET", `${path}${path.includes("?") ? "&" : "?"}width=${width}&lang=${lang}`);
    if (target.chartRequest !== request) return chart;
    const cell = (text, index) => el(index ? "td" : "th", index ? { text } : { scope: "row", text });
    // The table for screen readers, in a hidden box: a table itself is never narrower than its
    // content (its width and overflow are ignored), and would widen a right-to-left page.
    const table = el("table", { class: "chart-table" }, el("caption", { text: chart.table.caption }),
      el("thead", {}, el("tr", {}, ...chart.table.columns.map((c) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, ...chart.table.rows.map((row) => el("tr", {}, ...row.map(cell)))));
    const image = el("img", { class: "chart-image", src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(chart.svg),
                              alt: `${chart.title}. ${chart.description}` });
    const hidden = el("div", { class: "visually-hidden chart-values" }, table);
    const before = target.querySelector(":scope > .chart-image");
    if (before) {
      before.replaceWith(image);
      target.querySelector(":scope > .chart-values").replaceWith(hidden);
    } else {
      target.textContent = "";
      target.append(image, hidden);
    }
    target.dataset.chartWidth = String(width);
    return chart;
  }

  /** A chart drawn by the server (api/charts.py: one specification, one renderer for the pages,
      the downloads and the report): fetched with the token, drawn for `target`'s width, shown as
      an image (the SVG runs nothing in the page), its title and description as the image's
      text, its values as a table for screen readers (the drawing says the same to the eye).
      With `follow` (the default) it is drawn again when `target`'s width changes by a tenth or
      more, and `drawn` is called with each drawing (a download takes the newest); a printed
      report sets its own width and passes `follow: false`. Resolves to the first drawing
      ({title, description, svg, table}). */
  async function showChart(target, path, { follow = true, drawn = null } = {}) {
    const chart = await drawChart(target, path);
    if (drawn) drawn(chart);
    if (follow && window.ResizeObserver && !target.dataset.chartFollows) {
      target.dataset.chartFollows = "yes";
      let timer = null;
      new ResizeObserver(() => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const drawnAt = Number(target.dataset.chartWidth);
          if (Math.abs(chartWidth(target) - drawnAt) < REDRAW_CHANGE * drawnAt) return;
          // A failed redrawing keeps the drawing there is: it is still the learner's chart.
          drawChart(target, path).then((again) => { if (drawn) drawn(again); }).catch(() => {});
        }, REDRAW_DELAY_MS);
      }).observe(target);
    }
    return chart;
  }

  function setUp() {
    if (token()) {
      for (const node of document.querySelectorAll('[data-when="signed-in"]')) node.hidden = false;
      // The admin page's link (base.html), for admins only; anyone else is refused there anyway.
      if (tokenRole() === "admin") {
        for (const node of document.querySelectorAll('[data-when="admin"]')) node.hidden = false;
      }
    }
    const logout = document.getElementById("logout");
    if (logout) logout.addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.assign("/login"); });
    const picker = document.getElementById("language");
    if (picker) {
      picker.addEventListener("change", async () => {
        const code = picker.value;
        setLanguage(code);
        if (token()) {
          try {
            // The learner's own choice: their hints and instructions follow it too.
            await api("PATCH", "/v1/learners/me", { support_language: code });
          } catch (error) {
            // Not a learner (or offline): the page's words change all the same.
          }
        }
        location.reload();
      });
    }
  }

  /** The language the learner chose on a page (the cookie), or null: the browser's was shown. */
  function chosenLanguage() {
    const found = document.cookie.split("; ").find((part) => part.startsWith(LANGUAGE_COOKIE + "="));
    return found ? decodeURIComponent(found.slice(LANGUAGE_COOKIE.length + 1)) : null;
  }

  window.B1 = { t, tNodes, api, ApiError, NetworkError, Notice, showError, knownProblem, fieldProblemNodes, formatDate, formatDateTime, formatNumber, formatWait, languageName, el, localText,
                uuid, token, tokenRole, setToken, goToLogin, setLanguage, chosenLanguage, say, showChart,
                languageCookie: LANGUAGE_COOKIE };
  setUp();
})();
