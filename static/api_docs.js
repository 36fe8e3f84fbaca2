// Starts Swagger UI on /api/docs (a file, not an inline script: the site's CSP allows none).
// Requests go to the document's server, /api/v1 on this origin, so the browser sends its
// session cookie; "Authorize" adds a Bearer token instead.
(() => {
  "use strict";
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    tryItOutEnabled: true,
    // Deep links put an <a> inside each operation's toggle button (nested controls, axe).
    deepLinking: false,
    displayRequestDuration: true,
    validatorUrl: null, // no badge fetched from another site
    // Plain response text: the highlighter's themes colour tokens below 4.5:1 contrast (axe).
    syntaxHighlight: { activated: false },
  });
  // What Swagger UI leaves out for keyboard and screen-reader users: its scrolling code boxes
  // take no focus, and its server <select> has no label. Added as it renders them.
  const mend = () => {
    for (const box of root.querySelectorAll("pre:not([tabindex]), .microlight:not([tabindex])")) box.setAttribute("tabindex", "0");
    for (const select of root.querySelectorAll("select#servers:not([aria-label])")) select.setAttribute("aria-label", "Server");
  };
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
})();
