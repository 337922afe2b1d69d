// The Security page's config fields shown on a condition (auth_types.forms.shown_when): a field's
// wrapper carries data-shown-when='{"<controlling input name>": [values...], ...}' and is shown only
// while every controlling input holds one of its values. Any number of controlling fields; a field
// whose controlling field is hidden is hidden too. Without this script every field shows, and the
// server ignores the ones that do not apply.
(function () {
  "use strict";

  // A checkbox counts as true or false; a select, an input or a group of radios as its value.
  function valueOf(control) {
    return control.type === "checkbox" ? control.checked : control.value;
  }

  function update(form) {
    var shown = new Map();
    function isShown(wrapper) {
      if (!shown.has(wrapper)) {
        shown.set(wrapper, false);  // a cycle (refused by the server's checks) stays hidden
        var conditions = JSON.parse(wrapper.dataset.shownWhen);
        shown.set(wrapper, Object.keys(conditions).every(function (name) {
          var control = form.elements.namedItem(name);
          if (!control) { return false; }
          var outer = (control.length !== undefined && !control.options ? control[0] : control)
            .closest("[data-shown-when]");
          return (!outer || isShown(outer)) && conditions[name].indexOf(valueOf(control)) !== -1;
        }));
      }
      return shown.get(wrapper);
    }
    form.querySelectorAll("[data-shown-when]").forEach(function (wrapper) {
      wrapper.hidden = !isShown(wrapper);
    });
    // An "Advanced" group none of whose fields applies is not shown either.
    form.querySelectorAll(".advanced-settings").forEach(function (group) {
      var fields = group.querySelectorAll(".advanced-field");
      group.hidden = fields.length > 0 && Array.prototype.every.call(fields, function (field) { return field.hidden; });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-shown-when]")) { return; }
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
