// Marks the e-form fields filled from a national database with a badge in their label
// (the list of those fields is also printed in the panel above the form, for readers without scripts).
(function () {
  var data = document.getElementById("registry-filled");
  if (!data) { return; }
  var filled = JSON.parse(data.textContent);
  Object.keys(filled).forEach(function (key) {
    var input = document.querySelector('[name$="' + key + '"]');
    if (!input) { return; }
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    var fieldset = input.closest("fieldset");
    var target = label || (fieldset ? fieldset.querySelector("legend") : null);
    if (!target) { return; }
    var badge = document.createElement("span");
    badge.className = "badge registry-badge";
    badge.textContent = filled[key];
    target.appendChild(document.createTextNode(" "));
    target.appendChild(badge);
  });
})();
