// While the worker reads or imports an uploaded file, ask the job's page again every two
// seconds and put its news in the progress card, which screen readers announce (aria-live),
// rather than reloading the whole page on a timer: a timed reload moves the reader back to the
// top and takes the page away from someone still reading it. Once the work is over, the page
// is loaded once more to show what was read or imported. A file of its own, not an inline
// script, so the page keeps the Content-Security-Policy that allows scripts from the app only.
(function () {
  "use strict";
  var EVERY_MS = 2000;

  function schedule() {
    window.setTimeout(poll, EVERY_MS);
  }

  function poll() {
    var card = document.querySelector("[data-job-running]");
    if (!card) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var next = page.querySelector("[data-job-running]");
        if (!next) {
          window.location.reload();
          return;
        }
        if (next.innerHTML !== card.innerHTML) {
          card.innerHTML = next.innerHTML;
        }
        schedule();
      })
      .catch(schedule);
  }

  schedule();
})();
