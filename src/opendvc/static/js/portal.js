// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { focusErrorSummary(evt.target); });
  // An action that cannot be undone asks first (the form's data-confirm is the question, in the
  // page's language); without this file the button acts at once, as every other form.
  // A form with several buttons asks only for the one that cannot be undone (its own data-confirm).
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var button = evt.submitter;
    var question = (button && button.getAttribute && button.getAttribute("data-confirm")) ||
      (form && form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) { evt.preventDefault(); }
  });
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.matches && el.matches("select[data-autosubmit]")) { el.form.requestSubmit(); }
  });
})();
