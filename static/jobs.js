// A job's page: the progress bar moves as the job's API resource says; once the job has
// succeeded the result link appears (and takes the focus); a failure or cancellation
// reloads the page, which then says why.
(function () {
  "use strict";
  var section = document.querySelector("section.job[data-job-url]");
  if (!section || section.getAttribute("data-finished") === "true") { return; }
  var bar = section.querySelector("progress");
  var percent = section.querySelector(".job-percent");
  var message = section.querySelector("[data-testid='job-message']");
  var state = section.querySelector(".job-state");
  var every = parseInt(section.getAttribute("data-poll-ms"), 10) || 1000;

  function show(job) {
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    percent.textContent = job.progress + "%";
    message.textContent = job.message;
    state.textContent = job.state.charAt(0).toUpperCase() + job.state.slice(1);
    state.className = "usa-tag job-state job-state--" + job.state;
  }

  function poll() {
    fetch(section.getAttribute("data-job-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, every * 2); return; }
        show(job);
        if (job.state === "succeeded" && job.result) {
          var link = section.querySelector(".job-result a");
          link.href = job.result.page;
          link.parentNode.hidden = false;
          link.focus();
          return;
        }
        if (job.state === "succeeded" || job.state === "failed" || job.state === "cancelled") {
          window.location.reload();  // the page then says why, and stops polling
          return;
        }
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(poll, every * 2); });
  }

  window.setTimeout(poll, every);
})();
