// The desk's only script: drag-and-drop onto the drop form, upload progress, the progress
// of a background step, and the confirmation before letters are sent. Without it the
// forms still work (a plain upload, a page that shows the step when reloaded).
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf"]').content;

  const drop = document.getElementById("drop");
  if (drop) {
    const input = document.getElementById("files");
    const chosen = document.getElementById("chosen");
    const bar = document.getElementById("upload");
    let files = [];
    const show = () => {
      chosen.replaceChildren(...files.map((f) => {
        const li = document.createElement("li");
        li.textContent = f.name;
        return li;
      }));
    };
    input.addEventListener("change", () => { files = Array.from(input.files); show(); });
    ["dragenter", "dragover"].forEach((e) => drop.addEventListener(e, (ev) => {
      ev.preventDefault(); drop.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((e) => drop.addEventListener(e, (ev) => {
      ev.preventDefault(); drop.classList.remove("over");
    }));
    drop.addEventListener("drop", (ev) => { files = files.concat(Array.from(ev.dataTransfer.files)); show(); });
    drop.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = new FormData();
      body.append("csrf", csrf);
      files.forEach((f) => body.append("files", f, f.name));
      const request = new XMLHttpRequest();
      request.open("POST", "/drop");
      request.setRequestHeader("X-CSRF-Token", csrf);
      bar.hidden = false;
      request.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
      request.onload = () => {
        if (request.responseURL && request.responseURL.indexOf("/job/") >= 0) {
          window.location = request.responseURL;
        } else {
          document.open(); document.write(request.responseText); document.close();
        }
      };
      request.send(body);
    });
  }

  const job = document.getElementById("job");
  if (job && (job.dataset.state === "waiting" || job.dataset.state === "running")) {
    const poll = () => fetch("/job/" + job.dataset.job + ".json", { credentials: "same-origin" })
      .then((r) => r.json())
      .then((state) => {
        const bar = job.querySelector("progress");
        if (bar && state.total) { bar.max = state.total; bar.value = state.done; }
        if (state.state === "done" || state.state === "failed") { window.location.reload(); }
        else { setTimeout(poll, 500); }
      })
      .catch(() => setTimeout(poll, 2000));
    setTimeout(poll, 300);
  }

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (ev) => { if (!window.confirm(form.dataset.confirm)) ev.preventDefault(); });
  });
})();
