/* Apportion: small unobtrusive behaviours. No inline handlers anywhere (CSP: script-src 'self').
 *
 * (a) <form data-confirm="Message"> (or a submit button with data-confirm) asks
 *     window.confirm(message) before submitting; Cancel stops the submission.
 * (b) <select data-autosubmit> submits its form when its value changes.
 *     Elements marked data-autosubmit-hide (e.g. the "Apply" button of a filter
 *     form) are hidden once this script runs, since they are then redundant;
 *     without JavaScript they stay visible and the form still works.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var submitter = event.submitter;
    var message =
      (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit")) {
      return;
    }
    var form = select.form;
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires the submit event, so data-confirm still applies
    } else {
      form.submit();
    }
  });

  function hideRedundant() {
    var els = document.querySelectorAll("[data-autosubmit-hide]");
    for (var i = 0; i < els.length; i++) {
      els[i].hidden = true;
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", hideRedundant);
  } else {
    hideRedundant();
  }
})();
