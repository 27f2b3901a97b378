// esn's only script. Pages work without it; it adds the CSRF header to htmx
// requests (forms also carry the hidden field) and nothing else.
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRF-Token"] = csrfToken();
    }
  });
})();
