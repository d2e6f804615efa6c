/* The author studio (/author): own vocabulary sets, upload a YAML or CSV file, edit a set in a
   form, every problem at its entry and field, preview the exercises, publish, unpublish,
   retire, item statistics. Uses window.B1 (app.js); all rules are the API's. */
"use strict";
(function () {
  const { t, tNodes, api, showError, fieldProblemNodes, el, say, languageName } = window.B1;
  const byId = (id) => document.getElementById(id);
  const list = (text) => String(text || "").split(",").map((s) => s.trim()).filter(Boolean);
  const LEVELS = ["A1", "A2", "B1", "B2"];
  const POS = ["NOUN", "VERB", "ADJ", "ADV", "PRON", "ADP", "PROPN", "NUM", "DET", "CCONJ", "SCONJ", "INTJ", "AUX"];
  let current = null;  // the open set: {id, status} or null for a new one

  function requireToken() {
    if (!window.B1.token()) { window.B1.goToLogin(); return false; }
    return true;
  }

  // ------------------------------------------------------------------ the list

  async function loadSets() {
    const reply = await api("GET", "/v1/vocabulary-sets");
    const target = byId("sets");
    target.textContent = "";
    byId("sets-empty").hidden = reply.sets.length > 0;
    for (const set of reply.sets) {
      const title = set.title || set.id;
      const open = el("button", { type: "button", class: "link", "aria-label": t("author_open", { title }),
                                  text: title, onclick: () => openSet(set.id) });
      target.append(el("li", { "data-set": set.id }, open, el("span", { class: "muted small", text: t("author_set_line", {
        status: t("author_status_" + set.status), entries: set.entries, items: set.items,
        updated: window.B1.formatDate(set.updated, { dateStyle: "medium" }) }) })));
    }
  }

  // ------------------------------------------------------------------ the form

  /** One labelled control; its id names its place: e-2-lemma, e-2-x-1-text (positions from 1).
      `language`: the language its text is in ("learnt": the set's, kept in step with its select;
      "en": the meaning), written left to right on a right-to-left page too. */
  function field(id, label, value, options, language) {
    const box = el("div", { class: "field", "data-field": id });
    box.append(el("label", { for: id, text: label }));
    let control;
    if (options) {
      control = el("select", { id });
      for (const option of options) control.append(el("option", { value: option, text: option, selected: option === value }));
      if (value && !options.includes(value)) control.append(el("option", { value, text: value, selected: true }));
    } else {
      control = el("input", { id, type: "text", value: value || "", autocomplete: "off", spellcheck: "false",
                              dir: language ? "ltr" : null, "data-learnt": language === "learnt" ? "" : null,
                              lang: language === "learnt" ? learntLanguage() : language });
    }
    box.append(control);
    return box;
  }

  const learntLanguage = () => (byId("set-language") && byId("set-language").value) || "nb";

  function exampleNode(entryNumber, number, example) {
    const data = typeof example === "string" ? { text: example } : (example || {});
    const prefix = `e-${entryNumber}-x-${number}`;
    const box = el("fieldset", { class: "example", "data-example": number });
    box.append(el("legend", { text: t("author_example", { n: number }) }),
      field(`${prefix}-text`, t("author_sentence"), data.text, null, "learnt"),
      field(`${prefix}-distractors`, t("author_distractors"), (data.distractors || []).join(", "), null, "learnt"),
      field(`${prefix}-accept`, t("author_accept"), (data.accept || []).join(", "), null, "learnt"),
      field(`${prefix}-cue`, t("author_cue"), data.cue, null, "learnt"));
    return box;
  }

  function entryNode(number, entry) {
    const item = el("li", { class: "entry", "data-entry": number });
    const box = el("fieldset", {});
    box.append(el("legend", { text: t("author_entry", { n: number }) }),
      field(`e-${number}-lemma`, t("author_lemma"), entry.lemma, null, "learnt"),
      field(`e-${number}-pos`, t("author_pos"), entry.pos || "NOUN", POS),
      field(`e-${number}-gloss`, t("author_gloss"), entry.gloss, null, "en"),
      field(`e-${number}-cefr`, t("author_level"), entry.cefr || "A2", LEVELS));
    const examples = el("div", { class: "examples" });
    (entry.examples && entry.examples.length ? entry.examples : [""]).forEach((example, index) => {
      examples.append(exampleNode(number, index + 1, example));
    });
    box.append(examples, el("p", { class: "actions" },
      el("button", { type: "button", text: t("author_add_example"), onclick: () => {
        examples.append(exampleNode(number, examples.children.length + 1, ""));
      } }),
      el("button", { type: "button", text: t("author_remove_entry", { n: number }), onclick: () => {
        const data = readSet();
        data.entries.splice(number - 1, 1);
        fillForm(data);
      } })));
    item.append(box);
    // Fields the form does not show (near_synonyms, glosses per language) travel unchanged.
    item.extra = Object.fromEntries(Object.entries(entry).filter(([key]) =>
      !["lemma", "pos", "gloss", "cefr", "examples"].includes(key)));
    return item;
  }

  function fillForm(data) {
    byId("editor").hidden = false;
    byId("set-language").value = data.language || "nb";
    byId("set-trade").value = data.trade || "";
    byId("set-title").value = data.title || "";
    const entries = byId("entries");
    entries.textContent = "";
    (data.entries || []).forEach((entry, index) => entries.append(entryNode(index + 1, entry || {})));
    byId("set-form").extra = Object.fromEntries(Object.entries(data).filter(([key]) =>
      !["language", "trade", "title", "entries", "track"].includes(key)));
    clearProblems();
  }

  function readSet() {
    const value = (id) => { const node = byId(id); return node ? node.value.trim() : ""; };
    const entries = Array.from(byId("entries").children, (item) => {
      const n = item.dataset.entry;
      const examples = Array.from(item.querySelectorAll("[data-example]"), (box) => {
        const prefix = `e-${n}-x-${box.dataset.example}`;
        const example = { text: value(`${prefix}-text`) };
        const distractors = list(value(`${prefix}-distractors`)), accept = list(value(`${prefix}-accept`));
        if (distractors.length) example.distractors = distractors;
        if (accept.length) example.accept = accept;
        if (value(`${prefix}-cue`)) example.cue = value(`${prefix}-cue`);
        return Object.keys(example).length === 1 ? example.text : example;
      }).filter((example) => example && (typeof example === "string" ? example : example.text));
      return { ...item.extra, lemma: value(`e-${n}-lemma`), pos: value(`e-${n}-pos`), gloss: value(`e-${n}-gloss`),
               cefr: value(`e-${n}-cefr`), examples };
    });
    return { ...(byId("set-form").extra || {}), language: value("set-language"), track: "trade",
             trade: value("set-trade"), title: value("set-title"), entries };
  }

  function clearProblems() {
    for (const node of document.querySelectorAll(".field-problem")) node.remove();
    for (const node of document.querySelectorAll("[aria-invalid]")) { node.removeAttribute("aria-invalid"); node.removeAttribute("aria-describedby"); }
    byId("set-problems").textContent = "";
  }

  /** "body.entries[2].examples[1].distractors" -> the control e-2-x-1-distractors (or the
      entry's, or the set's); positions are people's (from 1), as the API counts them. */
  function controlFor(path) {
    const match = /entries\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?(?:\.(\w+))?/.exec(path);
    if (!match) {
      const top = /(?:body\.)?(language|trade|title)\b/.exec(path);
      return top ? byId(`set-${top[1]}`) : null;
    }
    const [, entry, name, example, sub] = match;
    if (name === "examples") return byId(`e-${entry}-x-${example || 1}-${sub || "text"}`);
    // A field the form does not show (gloss_distractors, from a file): listed above the entries.
    return byId(`e-${entry}-${name || "lemma"}`);
  }

  /** Where an unplaced problem is: "Entry 2 (gloss_distractors)", as the file names the field. */
  function placeOf(path) {
    const match = /entries\[(\d+)\](?:\.([\w.\[\]]+))?/.exec(path);
    if (!match) return null;
    return t("author_entry", { n: Number(match[1]) }) + (match[2] ? ` (${match[2]})` : "");
  }

  function showProblems(error) {
    clearProblems();
    const problems = (error.problem && error.problem.errors) || [];
    const unplaced = [];
    problems.forEach((problem, index) => {
      const control = controlFor(problem.field || "");
      if (!control) { unplaced.push(problem); return; }
      const id = `problem-${index}`;
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", ((control.getAttribute("aria-describedby") || "") + " " + id).trim());
      control.closest(".field").append(el("p", { class: "field-problem", id }, ...fieldProblemNodes(problem)));
    });
    const summary = byId("set-problems");
    if (!problems.length) {
      showError(summary, error);
    } else {
      // How many, in the page's words; the placed problems are at their fields, the list holds the others.
      const lead = el("p", { text: t("author_problems", { count: problems.length }) });
      lead.style.margin = "0";  // as showError's lead
      summary.replaceChildren(lead);
      if (unplaced.length) {
        summary.append(el("ul", {}, ...unplaced.map((p) => {
          const place = placeOf(p.field || "");
          return el("li", {}, ...(place ? tNodes("author_unplaced", {
            place, problem: el("span", {}, ...fieldProblemNodes(p)) }) : fieldProblemNodes(p)));
        })));
      }
    }
    const first = document.querySelector("[aria-invalid=true]");
    (first || summary).focus();
  }

  // ------------------------------------------------------------------ preview

  function answerText(item) {
    const first = (item.answers || [])[0];
    if (Array.isArray(first)) return first.map((id) => (item.options.find((o) => o.id === id) || {}).text).join(" ");
    const option = (item.options || []).find((o) => o.id === first);
    return option ? option.text : String(first === undefined ? "" : first);
  }

  function showPreview(set) {
    current = { id: set.id, status: set.status };
    byId("preview").hidden = false;
    const target = byId("preview-items");
    target.textContent = "";
    set.items.forEach((item, index) => {
      // The learner's own drawing of the exercise (exercise.js), each with ids of its own.
      const box = el("div", { class: "question", lang: item.language, dir: "ltr", "data-item": item.id });
      box.append(el("p", { class: "instructions", text: item.instructions || "" }));
      if (item.passage) box.append(el("p", { class: "passage", text: item.passage }));
      const area = el("div", {});
      box.append(area);
      window.B1.exercise.render(item, area, { disabled: false }, `preview-${index + 1}-`);
      box.append(el("p", { class: "answer", lang: document.documentElement.lang, dir: document.documentElement.dir,
                           text: t("author_answer", { answer: answerText(item) }) }));
      target.append(box);
    });
    byId("publish").hidden = set.status !== "draft";
    byId("unpublish").hidden = set.status !== "published";
    byId("retire").hidden = set.status === "retired";
    byId("editor-status").textContent = t("author_status_" + set.status);
  }

  async function openSet(id) {
    const set = await api("GET", `/v1/vocabulary-sets/${encodeURIComponent(id)}`);
    const data = set.data || null;
    if (data) fillForm(data);
    showPreview(set);
    byId("stats").hidden = true;
    byId("editor").hidden = false;
    byId("editor-title").focus();
  }

  // ------------------------------------------------------------------ actions

  async function check(event) {
    event.preventDefault();
    const data = readSet();
    try {
      const set = current && current.status !== "retired"
        ? await api("PUT", `/v1/vocabulary-sets/${encodeURIComponent(current.id)}`, data)
        : await api("POST", "/v1/vocabulary-sets", data);
      clearProblems();
      showPreview(set);
      say(t("author_saved", { items: set.items.length }));
      byId("preview-title").focus();
      await loadSets();
    } catch (error) {
      showProblems(error);
    }
  }

  async function act(action, message) {
    const error = byId("publish-error");
    showError(error, null);
    try {
      const set = await api("POST", `/v1/vocabulary-sets/${encodeURIComponent(current.id)}/${action}`);
      showPreview(set);
      say(t(message));
      await loadSets();
    } catch (failure) {
      showError(error, failure);
    }
  }

  async function showStatistics() {
    const reply = await api("GET", `/v1/vocabulary-sets/${encodeURIComponent(current.id)}/statistics`);
    const body = byId("stats-table").querySelector("tbody");
    body.textContent = "";
    const number = (x) => (x === null || x === undefined ? "–" : window.B1.formatNumber(x, 2));
    // Null until the item has enough answers to judge (reply.fit_min_answers).
    const fit = (f) => (f === null ? "–" : t(f.check ? "author_fit_check" : "author_fit_ok"));
    // data-label: on a phone the table stacks, one exercise a block, each value beside its column's name.
    for (const item of reply.items) {
      body.append(el("tr", {}, el("th", { scope: "row", text: `${item.lemma || ""} (${item.type})` }),
        el("td", { "data-label": t("author_answers"), text: window.B1.formatNumber(item.answers, 0) }),
        el("td", { "data-label": t("author_share_right"),
          text: item.share_right === null ? "–" : t("number_percent", { n: Math.round(100 * item.share_right) }) }),
        el("td", { "data-label": "a", text: number(item.a) }), el("td", { "data-label": "b", text: number(item.b) }),
        // In a span: the one element a stacked cell lays out beside its name (a bare text wraps under it).
        el("td", { "data-label": t("author_fit"), class: item.fit && item.fit.check ? "misfit" : null },
          el("span", { text: fit(item.fit) }))));
    }
    byId("fit-help").textContent = t("author_fit_help", { n: reply.fit_min_answers });
    byId("stats").hidden = false;
    byId("stats-title").focus();
  }

  async function upload(event) {
    event.preventDefault();
    const error = byId("upload-error");
    showError(error, null);
    const file = byId("upload-file").files[0];
    if (!file) { error.textContent = t("author_file_missing"); byId("upload-file").focus(); return; }
    // A CSV file's rows hold only the entries: the set's title comes from the form.
    if (/\.csv$/i.test(file.name) && !byId("upload-title").value.trim()) {
      error.textContent = t("author_csv_title");
      byId("upload-title").focus();
      return;
    }
    try {
      const reply = await api("POST", "/v1/vocabulary-sets/file", {
        filename: file.name, text: await file.text(), language: byId("upload-language").value,
        trade: byId("upload-trade").value, title: byId("upload-title").value.trim() || null });
      current = null;
      byId("preview").hidden = true;
      fillForm(reply.data);
      say(t("author_file_read"));
      // Checked at once: the problems appear at their entries and fields.
      byId("set-form").requestSubmit();
    } catch (failure) {
      // A file that cannot be read: its problem (the line, the column) in the page's language.
      const problems = (failure.problem && failure.problem.errors) || [];
      if (failure.status === 422 && problems.length && problems.every((p) => p.code)) {
        error.textContent = "";
        for (const problem of problems) error.append(el("p", {}, ...fieldProblemNodes(problem)));
      } else {
        showError(error, failure);
      }
    }
  }

  async function studio() {
    if (!requireToken()) return;
    // The languages by their names in the page's language ("Norwegian Bokmål"), not their codes.
    for (const option of document.querySelectorAll("#upload-language option, #set-language option")) {
      option.textContent = languageName(option.value);
    }
    byId("set-form").addEventListener("submit", check);
    byId("set-language").addEventListener("change", () => {
      for (const input of document.querySelectorAll("[data-learnt]")) input.lang = learntLanguage();
    });
    byId("upload-form").addEventListener("submit", upload);
    byId("add-entry").addEventListener("click", () => {
      const entries = byId("entries");
      entries.append(entryNode(entries.children.length + 1, {}));
      byId(`e-${entries.children.length}-lemma`).focus();
    });
    byId("new-set").addEventListener("click", () => {
      current = null;
      byId("preview").hidden = true;
      fillForm({ language: "nb", trade: "", title: "", entries: [{}] });
      byId("editor-title").focus();
    });
    byId("publish").addEventListener("click", () => act("publish", "author_published"));
    byId("unpublish").addEventListener("click", () => act("unpublish", "author_unpublished"));
    byId("retire").addEventListener("click", () => { if (confirm(t("author_retire_confirm"))) act("retire", "author_retired"); });
    byId("show-stats").addEventListener("click", () => showStatistics().catch((e) => showError(byId("publish-error"), e)));
    try { await loadSets(); } catch (error) { showError(byId("page-error"), error); }
  }

  if (document.body.dataset.page === "author/studio") studio();
})();
