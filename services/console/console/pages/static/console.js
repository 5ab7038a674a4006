// rueda console: the only script. A solve in progress updates its progress
// bar by reading the job again every two seconds; when it ends, the page
// reloads to show the schedule. Without JavaScript the page still works
// (a "Refresh" link does the same).
(function () {
  var box = document.querySelector("[data-job-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-url");
  function show(job) {
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-job-text]");
    if (job.bound && job.objective !== null) {
      bar.max = job.bound; bar.value = job.objective;
    }
    var gap = job.gap === null || job.gap === undefined ? "—" : (job.gap * 100).toFixed(1) + " %";
    text.textContent = job.state + " · " + (job.stage || "") + " · " + (job.objective === null ? "—" : job.objective)
      + " / " + (job.bound === null ? "—" : job.bound) + " · gap " + gap;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (job.state === "queued" || job.state === "running") { setTimeout(poll, 2000); }
        else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
