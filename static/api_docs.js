// "Try it" on /api/docs: sends one API call from this browser (its session cookie, same origin)
// and shows the status and the answer. No inline script (CSP); htmx ignores these forms.
(() => {
  "use strict";
  async function send(form) {
    const out = form.querySelector(".try-result");
    let path = form.dataset.path;
    const query = new URLSearchParams();
    for (const input of form.querySelectorAll("input[data-in]")) {
      if (input.dataset.in === "path") path = path.replace("{" + input.name + "}", encodeURIComponent(input.value));
      else if (input.value !== "") query.set(input.name, input.value);
    }
    const init = { method: form.dataset.method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    const body = form.querySelector("textarea[name=__body]");
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = body.value;
    }
    out.hidden = false;
    out.textContent = init.method + " " + path + (query.size ? "?" + query : "") + " …";
    try {
      const res = await fetch(path + (query.size ? "?" + query : ""), init);
      const text = await res.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
      out.textContent = res.status + " " + res.statusText + "\n\n" + shown;
    } catch (err) {
      out.textContent = "The request did not complete: " + err.message;
    }
  }
  document.addEventListener("submit", (e) => {
    const form = e.target.closest && e.target.closest("form.try-it");
    if (!form) return;
    e.preventDefault();
    e.stopPropagation();
    send(form);
  }, true);
})();
