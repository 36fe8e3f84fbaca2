// RL-Arena page behaviour that needs the browser: the upload drop zone with progress, and
// mounting the replay player. Everything else is htmx attributes. No inline script (CSP).
(() => {
  "use strict";

  // ---- upload drop zone ------------------------------------------------------------------
  function setupUpload(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    const zone = form.querySelector(".dropzone");
    const input = form.querySelector("input[type=file]");
    const chosen = form.querySelector(".chosen");
    const progress = form.querySelector("progress");
    const result = form.querySelector(".upload-result");
    const show = () => { chosen.textContent = input.files.length ? input.files[0].name + " (" + Math.ceil(input.files[0].size / 1024) + " KB)" : ""; };
    input.addEventListener("change", show);
    for (const type of ["dragenter", "dragover"]) zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add("over"); });
    for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      if (!e.dataTransfer || e.dataTransfer.files.length === 0) return;
      input.files = e.dataTransfer.files;
      show();
      if (form.dataset.autosubmit !== "false") form.requestSubmit();
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      e.stopPropagation();
      if (!input.files.length) { result.innerHTML = '<p class="form-error">Choose or drop an archive first.</p>'; return; }
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("HX-Request", "true");
      progress.hidden = false;
      progress.value = 0;
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) progress.value = ev.loaded / ev.total; };
      xhr.onload = () => {
        progress.hidden = true;
        if (xhr.status >= 200 && xhr.status < 300) {
          const list = document.querySelector(form.dataset.list || "#my-submissions");
          if (list) {
            const tpl = document.createElement("template");
            tpl.innerHTML = xhr.responseText;
            const row = tpl.content.firstElementChild;
            const old = row && row.id && document.getElementById(row.id);
            if (old) old.replaceWith(row); else if (row) list.prepend(row);
            list.querySelector(".empty-row")?.remove();
            if (window.htmx && row) window.htmx.process(row);
          }
          result.innerHTML = '<p class="ok">Uploaded. The build status below updates live.</p>';
          form.reset();
          show();
        } else {
          result.innerHTML = xhr.responseText || '<p class="form-error">Upload failed (' + xhr.status + ").</p>";
        }
      };
      xhr.onerror = () => { progress.hidden = true; result.innerHTML = '<p class="form-error">The upload did not reach the server.</p>'; };
      xhr.send(new FormData(form));
    }, true);
  }

  // ---- replay player ---------------------------------------------------------------------
  function playerMount() {
    const g = window;
    return g.RlArenaPlayer && g.RlArenaPlayer.mountReplayPlayer;
  }
  async function mountReplay(el, tries = 0) {
    if (el.dataset.mounted) return;
    const mount = playerMount();
    if (!mount) {
      if (tries < 50) setTimeout(() => mountReplay(el, tries + 1), 100);
      return;
    }
    el.dataset.mounted = "1";
    try {
      const res = await fetch(el.dataset.replaySrc, { headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error("replay download answered " + res.status);
      const replay = await res.json();
      el.innerHTML = "";
      // Styles come from /static/player.css: CSP forbids the player's injected <style>.
      el.player = mount(el, replay, { injectStyles: false, debug: await ownLogs(el) });
    } catch (err) {
      el.innerHTML = "";
      const p = document.createElement("p");
      p.className = "form-error";
      p.textContent = "Could not load the replay: " + err.message;
      el.append(p);
    }
  }

  // The owner's (or an admin's) seats: their stderr and step timeline, shown in the player.
  async function ownLogs(el) {
    if (!el.dataset.logsSrc) return null;
    try {
      const res = await fetch(el.dataset.logsSrc, { headers: { Accept: "application/json" } });
      if (!res.ok) return null;
      const body = await res.json();
      return { seats: body.logs.map((l) => ({ seat: l.seat, name: l.agentName, log: l.log, timing: l.timing })) };
    } catch {
      return null; // the replay still plays without them
    }
  }

  function init(root) {
    root.querySelectorAll("form[data-upload]").forEach(setupUpload);
    root.querySelectorAll("[data-replay-src]").forEach((el) => mountReplay(el));
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:after:swap", () => init(document));
  document.addEventListener("htmx:after:settle", () => init(document));
})();
