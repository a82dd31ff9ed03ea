// The progress page of a background job: asks for its state every 2 s and shows it; once the
// job has finished, the page is loaded again to show its file, summary or error.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var bar = document.getElementById("job-bar");
  var state = document.getElementById("job-state");
  var progress = document.getElementById("job-progress");

  function show(job) {
    state.textContent = job.state_text;
    box.setAttribute("data-state", job.state);
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done;
    }
    progress.textContent = job.progress_text;
  }

  function poll() {
    fetch(box.getAttribute("data-json"), { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (answer.status === 401) {
          // The session ran out: loading the page again renews it through the accounts service.
          window.location.reload();
          return "stop";
        }
        if (answer.status === 403 || answer.status === 404) { return "stop"; }
        return answer.ok ? answer.json() : null;
      })
      .then(function (job) {
        if (job === "stop") { return; }
        if (job) {
          show(job);
          if (job.state === "done" || job.state === "failed") {
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }

  window.setTimeout(poll, 2000);
}());
