// Small progressive enhancements for the builder; every form also works without them.
(function () {
  "use strict";

  function linkNameFrom(name) {
    var link = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (link && !/^[a-z]/.test(link)) { link = ("c_" + link).replace(/_+$/, ""); }
    return link.slice(0, 50).replace(/_+$/, "");
  }

  // General: the link name follows the name until it is edited by hand.
  var nameInput = document.getElementById("id_name");
  var linkInput = document.getElementById("id_link_name");
  if (nameInput && linkInput) {
    var follows = linkInput.value === linkNameFrom(nameInput.value);
    linkInput.addEventListener("input", function () { follows = false; });
    nameInput.addEventListener("input", function () {
      if (follows) { linkInput.value = linkNameFrom(nameInput.value); }
    });
  }

  // Security: show exactly the chosen type's fields.
  function showAuthPanel() {
    var checked = document.querySelector('input[name="auth_type"]:checked');
    document.querySelectorAll(".auth-panel").forEach(function (panel) {
      panel.classList.toggle("d-none", !checked || panel.dataset.authType !== checked.value);
    });
  }
  document.querySelectorAll('input[name="auth_type"]').forEach(function (radio) {
    radio.addEventListener("change", showAuthPanel);
  });

  // Rows that can be added and removed (API key parameters, scopes).
  document.querySelectorAll(".add-row").forEach(function (button) {
    var container = button.closest(".parameter-rows, form");
    var total = container.querySelector('input[name$="-TOTAL_FORMS"]');
    var template = container.querySelector("template.empty-row");
    var rows = container.querySelector(".rows");
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild.querySelector("input, select");
      if (first) { first.focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-row");
    if (!button) { return; }
    var row = button.closest(".parameter-row");
    var remove = row.querySelector('input[name$="-DELETE"]');
    if (remove) { remove.checked = true; }
    row.classList.add("d-none");
  });

  // Scopes: +Add Scope reveals the rows; select all; bulk Delete says how many are selected.
  var showAdd = document.getElementById("show-add-scope");
  if (showAdd) {
    showAdd.addEventListener("click", function () {
      var form = document.getElementById("add-scope-form");
      form.classList.remove("d-none");
      showAdd.setAttribute("aria-expanded", "true");
      var first = form.querySelector('input[type="text"]');
      if (first) { first.focus(); }
    });
  }
  var bulkDelete = document.getElementById("bulk-delete");
  var checks = document.querySelectorAll(".scope-check");
  var selectAll = document.getElementById("select-all");
  function countSelected() {
    var selected = Array.prototype.filter.call(checks, function (box) { return box.checked; }).length;
    if (bulkDelete) {
      bulkDelete.disabled = selected === 0;
      bulkDelete.textContent = selected ? "Delete " + selected + " selected" : "Delete";
      bulkDelete.dataset.confirm = "Delete the " + (selected === 1 ? "selected scope" : selected + " selected scopes") + "?";
    }
    if (selectAll) {
      selectAll.checked = selected > 0 && selected === checks.length;
      selectAll.indeterminate = selected > 0 && selected < checks.length;
    }
  }
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      checks.forEach(function (box) { box.checked = selectAll.checked; });
      countSelected();
    });
  }
  checks.forEach(function (box) { box.addEventListener("change", countSelected); });
  countSelected();

  // Scopes: the delimiter is saved as soon as it is changed (Add and Save & Continue save it too).
  var delimiter = document.querySelector('select[name="scope_delimiter"][form="scopes-form"]');
  var delimiterStatus = document.getElementById("delimiter-status");
  if (delimiter && delimiterStatus && window.fetch) {
    delimiter.addEventListener("change", function () {
      var form = document.getElementById("scopes-form");
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      body.append("action", "delimiter");
      body.append("scope_delimiter", delimiter.value);
      delimiterStatus.className = "small mb-0 pt-sm-2";
      delimiterStatus.textContent = "Saving…";
      fetch(form.getAttribute("action") || window.location.href, {
        method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}
      }).then(function (response) {
        return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
      }).then(function (result) {
        delimiterStatus.classList.add(result.ok ? "text-success" : "text-danger");
        delimiterStatus.textContent = result.ok ? result.answer.message : result.answer.error;
        delimiter.setAttribute("aria-invalid", result.ok ? "false" : "true");
      }, function () {
        delimiterStatus.classList.add("text-danger");
        delimiterStatus.textContent = "Not saved: the server could not be reached. Save & Continue saves it.";
      });
    });
  }
})();
