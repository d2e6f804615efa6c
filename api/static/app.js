/* B1 Engine pages: what every page shares (the learner's, later the teacher's and the author's).
   No framework: the token in sessionStorage, one fetch wrapper that turns problem details
   (RFC 9457) into readable messages, the page's words, the language picker, log out. */
"use strict";
(function () {
  const TOKEN_KEY = "b1.token";
  const LANGUAGE_COOKIE = "b1lang";
  const texts = JSON.parse(document.getElementById("texts").textContent);

  /** The page's words: t('home_hello', {name: 'Ana'}) fills {name}; an unknown key shows itself. */
  function t(key, values) {
    const text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
  }

  /** A network failure (no reply at all): the caller may send the same request again. */
  class NetworkError extends Error {}

  /** A reply that is not 2xx: `problem` is its problem-details body (or one made up). */
  class ApiError extends Error {
    constructor(status, problem) {
      super(problem.detail || problem.title || String(status));
      this.status = status;
      this.problem = problem;
    }
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }
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
    throw new ApiError(response.status, problem);
  }

  /** An error as a person reads it: the problem's detail, then each field's message. */
  function showError(target, error) {
    target.textContent = "";
    if (!error) return;
    const problem = error instanceof ApiError ? error.problem : null;
    const detail = problem ? (problem.detail || problem.title) : (error instanceof NetworkError ? t("error_network") : t("error_unexpected"));
    const lead = document.createElement("p");
    lead.textContent = detail;
    lead.style.margin = "0";
    target.append(lead);
    if (problem && Array.isArray(problem.errors) && problem.errors.length) {
      const list = document.createElement("ul");
      for (const item of problem.errors) {
        const li = document.createElement("li");
        li.textContent = item.message;
        list.append(li);
      }
      target.append(list);
    }
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

  /** A chart drawn by the server (api/charts.py: one specification, one renderer for the pages,
      the downloads and the report): fetched with the token, drawn for `target`'s width, shown as
      an image (the SVG runs nothing in the page), its title and description as the image's
      text, its values as a table for screen readers (the drawing says the same to the eye). Resolves to the chart ({title, description, svg, table}). */
  async function showChart(target, path) {
    const width = Math.max(320, Math.min(2560, Math.round(target.clientWidth || 640)));
    // The chart's words in the page's language (api/charts.py: the same drawing, its words translated).
    const lang = encodeURIComponent(document.documentElement.lang || "en");
    const chart = await api("GET", `${path}${path.includes("?") ? "&" : "?"}width=${width}&lang=${lang}`);
    const cell = (text, index) => el(index ? "td" : "th", index ? { text } : { scope: "row", text });
    // The table for screen readers, in a hidden box: a table itself is never narrower than its
    // content (its width and overflow are ignored), and would widen a right-to-left page.
    const table = el("table", { class: "chart-table" }, el("caption", { text: chart.table.caption }),
      el("thead", {}, el("tr", {}, ...chart.table.columns.map((c) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, ...chart.table.rows.map((row) => el("tr", {}, ...row.map(cell)))));
    target.textContent = "";
    target.append(
      el("img", { class: "chart-image", src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(chart.svg),
                  alt: `${chart.title}. ${chart.description}` }),
      el("div", { class: "visually-hidden" }, table));
    return chart;
  }

  function setUp() {
    if (token()) {
      for (const node of document.querySelectorAll('[data-when="signed-in"]')) node.hidden = false;
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

  window.B1 = { t, api, ApiError, NetworkError, showError, el, localText, uuid, token, setToken, goToLogin,
                setLanguage, say, showChart, languageCookie: LANGUAGE_COOKIE };
  setUp();
})();
