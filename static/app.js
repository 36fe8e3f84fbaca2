// RL-Arena page behaviour that needs the browser: the upload form's Alpine component, and
// mounting the replay player. Everything else is htmx attributes. No inline script (CSP).
// Loaded before Alpine (both deferred), so the component is registered when Alpine starts.
(() => {
  "use strict";

  // ---- upload form (an Alpine component) -------------------------------------------------
  // htmx sends the form (hx-post) and swaps the answer in; this component keeps the client
  // state: drag-over, the chosen file, the size check against the form's data-max-bytes (the
  // archive_max_bytes setting), upload progress and the outcome. Alpine's CSP build evaluates no
  // JavaScript from attributes: views/environments.tsx names only the properties and methods below.

  /** Bytes as the server words them (src/submissions/intake_errors.ts formatBytes). */
  function formatBytes(n) {
    if (n >= 1024 * 1024) return +(n / 1024 / 1024).toFixed(1) + " MB";
    if (n >= 1024) return +(n / 1024).toFixed(1) + " KB";
    return n + " bytes";
  }

  /**
   * A fetch for htmx's request context that sends with XMLHttpRequest: fetch cannot report
   * upload progress (htmx 4's own docs point to XHR for this), XHR can.
   */
  function fetchWithUploadProgress(onProgress) {
    return (url, init) => new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(init.method || "GET", url);
      for (const [name, value] of Object.entries(init.headers || {})) xhr.setRequestHeader(name, value);
      xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
      xhr.addEventListener("load", () => {
        const headers = new Headers();
        for (const line of xhr.getAllResponseHeaders().split(/\r?\n/)) {
          const colon = line.indexOf(":");
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        const bodyless = xhr.status === 204 || xhr.status === 304;
        resolve(new Response(bodyless ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers }));
      });
      xhr.addEventListener("error", () => reject(new TypeError("the upload did not reach the server")));
      xhr.addEventListener("abort", () => reject(new DOMException("the upload was stopped", "AbortError")));
      if (init.signal) init.signal.addEventListener("abort", () => xhr.abort());
      xhr.send(init.body);
    });
  }

  function uploadForm() {
    return {
      over: false,
      file: null, // { name, size } of the chosen file
      sending: false,
      progress: 0,
      note: "", // what this component has to say (a refusal, the outcome)
      noteIsError: false,

      get maxBytes() { return Number(this.$root.dataset.maxBytes); },
      get chosen() { return this.file ? this.file.name + " (" + formatBytes(this.file.size) + ")" : ""; },
      get idle() { return !this.sending; },
      get noNote() { return this.note === ""; },
      get noteClass() { return this.noteIsError ? "form-error" : "ok"; },
      get zoneClass() { return { over: this.over }; },
      /** The refusal of the chosen file, or "" when it may be sent. */
      get refusal() {
        if (!this.file) return "Choose or drop an archive first.";
        // The server's own words (src/web/actions/upload.ts), said before sending anything.
        if (this.file.size > this.maxBytes) {
          return this.file.name + " is " + formatBytes(this.file.size) + "; uploads may be at most " + formatBytes(this.maxBytes) +
            " (setting archive_max_bytes). Nothing was sent.";
        }
        if (this.file.size === 0) return this.file.name + " is empty. Nothing was sent.";
        return "";
      },

      say(text, isError) {
        this.note = text;
        this.noteIsError = isError;
        this.$refs.result.replaceChildren(); // the server's last answer no longer applies
      },
      dragOver() { this.over = true; },
      dragLeave() { this.over = false; },
      chose() {
        const f = this.$refs.file.files[0];
        this.file = f ? { name: f.name, size: f.size } : null;
        this.say(this.file ? this.refusal : "", true);
      },
      /** A file dropped on the zone is chosen and, when it may be sent, sent at once. */
      dropped(e) {
        this.over = false;
        if (!e.dataTransfer || e.dataTransfer.files.length === 0) return;
        this.$refs.file.files = e.dataTransfer.files;
        this.chose();
        if (this.refusal === "") this.$root.requestSubmit();
      },
      /** htmx:config:request: refuse what the server would refuse, else send with progress. */
      sendWithProgress(e) {
        if (this.refusal !== "") {
          e.preventDefault();
          this.say(this.refusal, true);
          return;
        }
        this.say("", false);
        this.sending = true;
        this.progress = 0;
        e.detail.ctx.fetch = fetchWithUploadProgress((share) => { this.progress = share; });
      },
      /** htmx:after:request: a 2xx row goes into the submissions table (hx-target), errors into the result. */
      answered(e) {
        const status = e.detail.ctx.response.status;
        if (status < 200 || status >= 300) return;
        const sent = this.chosen;
        this.$root.reset();
        this.file = null;
        this.say("Uploaded " + sent + ". Its build status below updates live.", false);
        const empty = document.querySelector("#my-submissions .empty-row");
        if (empty) empty.remove();
      },
      unreached() { this.say("The upload did not reach the server. Try again.", true); },
      finished() { this.sending = false; },
    };
  }

  document.addEventListener("alpine:init", () => window.Alpine.data("upload", uploadForm));

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
    root.querySelectorAll("[data-replay-src]").forEach((el) => mountReplay(el));
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:after:swap", () => init(document));
  document.addEventListener("htmx:after:settle", () => init(document));
})();
