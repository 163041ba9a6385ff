// After a save the app redirects to a page that shows what happened. Move the focus to that
// message, so that a keyboard user goes on from there and a screen reader reads it out, instead
// of the focus starting again at the top of the page. A file of its own, not an inline script,
// so the page keeps the Content-Security-Policy that allows scripts from the app only.
(function () {
  "use strict";
  var region = document.querySelector(".messages-region");
  if (region) {
    region.focus();
  }
})();
