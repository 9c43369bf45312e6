// Management pages: CSRF on every htmx request, and small behaviours that
// would otherwise need inline script (the CSP forbids it).
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  // A select that fills a field with the chosen option's value (reply templates).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el || !el.matches || !el.matches("select[data-fill]") || !el.value) { return; }
    var target = document.querySelector(el.getAttribute("data-fill"));
    if (target) {
      target.value = el.value;
      target.focus();
    }
  });
  // Forms marked data-swap-refusals show the page answered for a refused action
  // (403 role, 409 state) with its message, instead of htmx dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (elt && elt.closest && elt.closest("[data-swap-refusals]") && (status === 403 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
