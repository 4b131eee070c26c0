/* Apportion: small unobtrusive behaviours. No inline handlers anywhere (CSP: script-src 'self').
 *
 * (a) <form data-confirm="Message"> (or a submit button with data-confirm) asks
 *     window.confirm(message) before submitting; Cancel stops the submission.
 * (b) <select data-autosubmit> submits its form when its value changes.
 *     Elements marked data-autosubmit-hide (e.g. the "Show" button of a filter
 *     form) are hidden once this script runs, since they are then redundant;
 *     without JavaScript they stay visible and the form still works.
 *     From the keyboard, a closed select changes its value at each arrow key or
 *     typed letter: submitting then would reload the page at the first key and
 *     drop the focus (WCAG 3.2.2 On Input). Such a change waits instead: the
 *     form's hidden button comes back for Tab to reach, and Enter on the select
 *     submits. A choice made with the mouse, or in the opened list, submits at once.
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

  function autosubmitSelect(target) {
    return target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form
      ? target
      : null;
  }

  function submit(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires the submit event, so data-confirm still applies
    } else {
      form.submit();
    }
  }

  var keyed = null; // the autosubmit select a key is down on (its change then comes from that key)

  document.addEventListener("keydown", function (event) {
    var select = autosubmitSelect(event.target);
    if (!select) {
      return;
    }
    if (event.key === "Enter") {
      if (select.hasAttribute("data-autosubmit-pending")) {
        event.preventDefault();
        submit(select.form);
      }
      return;
    }
    keyed = select;
  }, true);

  document.addEventListener("keyup", function () {
    keyed = null;
  }, true);

  document.addEventListener("change", function (event) {
    var select = autosubmitSelect(event.target);
    if (!select) {
      return;
    }
    if (keyed === select) {
      select.setAttribute("data-autosubmit-pending", "");
      var buttons = select.form.querySelectorAll("[data-autosubmit-hide]");
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].hidden = false;
      }
      return;
    }
    submit(select.form);
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
