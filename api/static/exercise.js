/* An exercise's answer controls drawn as the learner sees them: choices, a typed gap with the
   language's on-screen letters, word order by tapping tokens. Shared by the learner's practice
   page (learner.js) and the author studio's preview (author.js), so the preview is the
   learner's page. Uses window.B1 (app.js). */
"use strict";
(function () {
  const { t, el } = window.B1;
  /** The page's language and direction, for its words inside an exercise. */
  const ui = () => ({ lang: document.documentElement.lang, dir: document.documentElement.dir });
  /** The on-screen letters of each language learnt (typed gaps). */
  const LETTERS = {
    nb: ["æ", "ø", "å"],
    tr: ["ç", "ğ", "ı", "İ", "ö", "ş", "ü"],
    it: ["à", "è", "é", "ì", "ò", "ù"],
  };
  const CHOICE_TYPES = new Set(["multiple_choice", "cloze_choice", "reading"]);
  /** The longest typed answer the API reads (characters): its home is TYPED_ANSWER_MAX_CHARS in
      api/services/served_items.py, which refuses a longer one (422); the page gets no config from
      the server, so the two must be changed together. */
  const TYPED_ANSWER_MAX_CHARS = 200;
  /** A shaped gap of at least this many letters also shows the number. */
  const LONG_SHAPE = 10;
  /** A quoted span with its marks: «…», “…”, „…“ or "…". */
  const QUOTED = /«[^«»]*»|“[^“”]*”|„[^„“”]*[“”]|"[^"\n]*"/g;

  /** `text` as the content of `node`, each quoted span isolated in a <bdi>: a Norwegian quote
      in Arabic instructions («Jeg kan ikke jobbe i helgen.») keeps its full stop and its marks
      where they belong instead of taking the right-to-left order of the words around it.
      `quote`: the quoted words' {lang, dir} when known (the language learnt, in instructions
      in the learner's language); without it, each quote takes the direction of its first letter. */
  function quotedText(node, text, quote) {
    const whole = String(text ?? "");
    node.textContent = "";
    let last = 0;
    for (const match of whole.matchAll(QUOTED)) {
      node.append(whole.slice(last, match.index), el("bdi", { ...(quote || {}), text: match[0] }));
      last = match.index + match[0].length;
    }
    node.append(whole.slice(last));
    return node;
  }

  /** Upper-case in the language's own rules (Turkish i → İ, ı → I). */
  function upper(text, language) {
    try { return text.toLocaleUpperCase(language); } catch (error) { return text.toUpperCase(); }
  }

  function capitalised(text, language) {
    const first = Array.from(text)[0] || "";
    return upper(first, language) + text.slice(first.length);
  }

  /** A prompt with its gap (___) drawn as a blank to fill. A typed gap with a `shape` (the
      answer's first letter and "_" for each other letter) draws that shape, one slot per letter,
      and says it in words for screen readers. */
  function promptNode(tag, text, attributes, shape) {
    const node = el(tag, { class: "prompt", ...attributes });
    const parts = String(text || "").split(/_{2,}/);
    parts.forEach((part, index) => {
      node.append(part);
      if (index === parts.length - 1) return;
      if (!shape) {
        node.append(el("span", { class: "gap", "data-gap": "", "aria-hidden": "true", text: "\u2003" }));
        return;
      }
      const letters = Array.from(shape);
      const isSlot = (c) => /[\p{L}\p{N}_]/u.test(c);  // a letter, shown or hidden
      const count = letters.filter(isSlot).length;
      const said = t("shape_cue", { first: shape.match(/^[^_]*/)[0], count });
      // One slot per letter: a shown letter, a blank to fill, or a space or hyphen as it is.
      const slots = letters.map((c) => (isSlot(c)
        ? el("span", { class: "slot", text: c === "_" ? "" : c }) : el("span", { class: "sep", text: c })));
      // Slots past a glance's count (a review found 18 slots uncountable on a phone) get a number.
      if (count >= LONG_SHAPE) slots.push(el("span", { class: "count", text: `(${count})` }));
      node.append(el("span", { class: "gap shape", "data-gap": "", "data-shape": shape, "aria-hidden": "true", dir: "ltr" }, ...slots),
                  el("span", { class: "visually-hidden", text: ` (${said})`, ...ui() }));
    });
    return node;
  }

  /** Draw `current`'s answer controls into `area`. `check` (the page's submit button, or any
      object with `disabled`) is enabled once an answer is given; `prefix` keeps ids unique on a
      page that shows several exercises. Returns {readAnswer, first: the control to focus}. */
  function render(current, area, check, prefix = "") {
    let readAnswer = () => null;

    function renderChoice(current) {
      const name = prefix + "option";
      const fieldset = el("fieldset", {});
      const legend = promptNode("legend", current.prompt);
      fieldset.append(legend);
      for (const option of current.options) {
        const input = el("input", { type: "radio", name, value: option.id });
        input.addEventListener("change", () => {
          const gap = legend.querySelector("[data-gap]");
          if (gap) gap.textContent = option.text;
          check.disabled = false;
        });
        fieldset.append(el("label", { class: "option", "data-text": option.text }, input, el("span", { text: option.text })));
      }
      area.append(fieldset);
      check.disabled = true;
      readAnswer = () => { const chosen = area.querySelector("input:checked"); return chosen ? chosen.value : null; };
    }

    function renderTyped(current) {
      area.append(promptNode("p", current.prompt, { id: prefix + "typed-prompt" }, current.shape));
      const input = el("input", { id: prefix + "typed", type: "text", autocomplete: "off", autocapitalize: "none",
                                  spellcheck: "false", lang: current.language, "aria-describedby": prefix + "typed-prompt",
                                  maxlength: TYPED_ANSWER_MAX_CHARS });
      area.append(el("label", { for: prefix + "typed", text: t("your_answer"), ...ui() }), input);
      let selection = [0, 0];
      const remember = () => { selection = [input.selectionStart, input.selectionEnd]; };
      for (const kind of ["keyup", "click", "select", "input", "blur"]) input.addEventListener(kind, remember);
      const letters = LETTERS[current.language] || [];
      if (letters.length) {
        let shifted = false;
        const keys = el("div", { class: "keys", role: "group", "aria-label": t("letters_label") });
        const letterButtons = letters.map((letter) => {
          const button = el("button", { type: "button", class: "key", "data-letter": letter, lang: current.language, text: letter });
          // A pointer keeps the caret in the field; a key press (detail 0) keeps focus on the key.
          button.addEventListener("mousedown", (event) => event.preventDefault());
          button.addEventListener("click", (event) => {
            const text = button.textContent;
            // setRangeText ignores maxlength: a letter key adds nothing to a full box, as typing does.
            if (input.value.length - (selection[1] - selection[0]) + text.length > TYPED_ANSWER_MAX_CHARS) return;
            input.setRangeText(text, selection[0], selection[1], "end");
            selection = [input.selectionStart, input.selectionEnd];
            input.dispatchEvent(new Event("input"));
            if (event.detail !== 0) input.focus();
          });
          return button;
        });
        const shift = el("button", { type: "button", class: "key", "aria-pressed": "false", "aria-label": t("capitals"), text: "⇧" });
        shift.addEventListener("mousedown", (event) => event.preventDefault());
        shift.addEventListener("click", () => {
          shifted = !shifted;
          shift.setAttribute("aria-pressed", String(shifted));
          letterButtons.forEach((button) => {
            const letter = button.dataset.letter;
            // The language's own capitals: Turkish ı → I, i → İ (İ stays İ).
            button.textContent = shifted ? upper(letter, current.language) : letter;
          });
        });
        keys.append(...letterButtons, shift);
        area.append(keys);
      }
      input.addEventListener("input", () => { check.disabled = !input.value.trim(); });
      check.disabled = true;
      readAnswer = () => input.value;
      return input;
    }

    function renderOrder(current) {
      if (current.prompt) area.append(el("p", { class: "prompt", text: current.prompt }));
      const line = el("div", { class: "line", role: "group", "aria-label": t("order_line"), id: prefix + "order-line" });
      const bank = el("div", { class: "tokens", role: "group", "aria-label": t("order_words"), id: prefix + "order-words" });
      const redraw = () => {
        Array.from(line.children).forEach((button, index) => {
          button.textContent = index === 0 ? capitalised(button.dataset.text, current.language) : button.dataset.text;
        });
        Array.from(bank.children).forEach((button) => { button.textContent = button.dataset.text; });
        check.disabled = bank.children.length > 0;
      };
      for (const token of current.options) {
        const button = el("button", { type: "button", class: "token", "data-id": token.id, "data-text": token.text,
                                      lang: current.language, text: token.text });
        button.addEventListener("click", () => {
          (button.parentElement === bank ? line : bank).append(button);
          redraw();
          button.focus();
        });
        bank.append(button);
      }
      area.append(el("p", { class: "muted small", text: t("order_help"), ...ui() }), line, bank);
      redraw();
      readAnswer = () => Array.from(line.children, (button) => button.dataset.id);
    }

    let first = null;
    if (CHOICE_TYPES.has(current.type)) renderChoice(current);
    else if (current.type === "word_order") renderOrder(current);
    else first = renderTyped(current);
    return { readAnswer: () => readAnswer(), first };
  }

  window.B1.exercise = { render, upper, capitalised, promptNode, quotedText, CHOICE_TYPES, LETTERS, TYPED_ANSWER_MAX_CHARS };
})();
