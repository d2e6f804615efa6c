/* B1 Engine's LTI pages (api/routes/lti.py): each page's data is in #lti-data, its kind in
   <body data-lti>. No framework, no inline script (CSP). */
"use strict";
(function () {
  const TOKEN_KEY = "b1.token";  // the app's (app.js)
  const data = JSON.parse(document.getElementById("lti-data").textContent);
  const kind = document.body.dataset.lti;
  const framed = window.self !== window.top;

  function enter(token, target) {
    sessionStorage.setItem(TOKEN_KEY, token);
    location.replace(target);
  }

  if (kind === "check") {
    // The cookie set with this page is readable here only if the browser keeps the tool's
    // cookies in this context: then the launch can come back to this browser.
    if (document.cookie.split("; ").some((c) => c === data.check_cookie + "=1")) location.replace(data.auth_url);
    else document.getElementById("blocked").hidden = false;
  } else if (kind === "open") {
    if (!framed) enter(data.token, data.target);
    else {
      // The app's pages refuse to be framed: they open in their own window, the token in the
      // address's fragment (never sent to a server) and removed from it at once.
      document.getElementById("framed").hidden = false;
      document.getElementById("open-window").addEventListener("click", () => {
        const fragment = new URLSearchParams({ token: data.token, target: data.target });
        window.open("/lti/window#" + fragment.toString(), "_blank", "noopener");
      });
    }
  } else if (kind === "window") {
    const given = new URLSearchParams(location.hash.slice(1));
    history.replaceState(null, "", location.pathname);
    const target = given.get("target") || "";
    if (given.get("token") && target.startsWith("/") && !target.startsWith("//")) enter(given.get("token"), target);
    else document.getElementById("missing").hidden = false;
  } else if (kind === "post") {
    document.getElementById("deep-link-form").submit();
  }
})();
