// The main menu folds behind a "Menu" button on narrow screens (the CSS decides when the button
// shows). Loaded right after the menu, not deferred, so the page never paints the menu open first.
// Without this script the button stays hidden and the whole menu is shown.
(function () {
  "use strict";
  var toggle = document.getElementById("nav-toggle");
  var menu = document.getElementById("main-menu");
  if (!toggle || !menu) { return; }
  function setOpen(open) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
  setOpen(false);
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape" && toggle.getAttribute("aria-expanded") === "true" &&
        getComputedStyle(toggle).display !== "none") {
      setOpen(false);
      toggle.focus();
    }
  });
})();
