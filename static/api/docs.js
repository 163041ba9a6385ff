// Start Swagger UI on the API documentation page. A file of its own, not an inline script, so
// the page keeps the Content-Security-Policy that allows scripts from the app only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    // Deep links draw each operation's path as a link inside its toggle button, a control nested
    // in a control that keyboards and screen readers cannot reach on its own.
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // "Try it out" uses the signed-in session, which needs the CSRF token on writes.
    requestInterceptor: function (request) {
      if (request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
