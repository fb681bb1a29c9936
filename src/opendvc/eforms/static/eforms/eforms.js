// E-forms: conditional fields and the province → ward cascade. The form works without this file
// (conditional fields stay visible with a note; a button refreshes the ward list).
(function () {
  "use strict";

  function currentValues(id) {
    var first = document.getElementById(id);
    if (!first) { return null; }
    var name = first.getAttribute("name");
    var controls = first.form ? first.form.querySelectorAll('[name="' + name + '"]') : [first];
    var values = [];
    Array.prototype.forEach.call(controls, function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { values.push(el.value); } else if (el.type === "checkbox" && controls.length === 1) { values.push(""); }
      } else { values.push(el.value); }
    });
    return values;
  }

  function applyConditions(root) {
    var wraps = (root || document).querySelectorAll("[data-show-if]");
    Array.prototype.forEach.call(wraps, function (wrap) {
      var values = currentValues(wrap.getAttribute("data-show-if"));
      if (values === null) { return; }
      var wanted = [];
      try { wanted = JSON.parse(wrap.getAttribute("data-show-values")); } catch (e) { wanted = []; }
      var show = values.some(function (v) { return wanted.indexOf(v) !== -1; });
      wrap.hidden = !show;
      var note = wrap.querySelector(".eforms-when");
      if (note) { note.hidden = true; }
    });
  }

  function loadWards(select) {
    var target = document.getElementById(select.getAttribute("data-ward-target"));
    if (!target) { return; }
    var province = select.value;
    var holder = select.closest("[data-eforms-wards]");
    var base = holder ? holder.getAttribute("data-eforms-wards") : "/to-khai/phuong-xa/";
    var url = base + "?tinh=" + encodeURIComponent(province);
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        // Arrowing through the provinces fires one request per step; only the answer for the
        // province still selected may fill the list (answers can arrive out of order).
        if (select.value !== province) { return; }
        var doc = new DOMParser().parseFromString("<select>" + html + "</select>", "text/html");
        var options = doc.querySelectorAll("option");
        // A ward chosen while the answer was on its way (the list already held the province's
        // wards) stays chosen when the answer has it too.
        var chosen = target.value;
        target.innerHTML = "";
        Array.prototype.forEach.call(options, function (o) { target.appendChild(document.importNode(o, true)); });
        if (chosen && Array.prototype.some.call(target.options, function (o) { return o.value === chosen; })) {
          target.value = chosen;
        }
      })
      .catch(function () { /* keep the old list; the refresh button still works */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("eforms-js");
    applyConditions(document);
  });
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (!el || !el.matches) { return; }
    if (el.matches("select[data-ward-target]")) { loadWards(el); }
    applyConditions(document);
  });
  document.addEventListener("htmx:afterSwap", function (evt) { applyConditions(evt.target); });
})();
