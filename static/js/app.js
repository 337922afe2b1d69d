// Behaviour shared by every page (the Content-Security-Policy allows no inline script). Every form
// also works without it.
(function () {
  "use strict";

  // Parts of a page that only work with this script say so with .no-js-only (hidden from here on).
  document.documentElement.classList.add("js");

  // Confirmations in a dialog of the page: a form (or its submit button) with data-confirm="question"
  // and optionally data-confirm-label="Delete" for the confirming button.
  var dialog = document.getElementById("confirm-dialog");
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var source = submitter && submitter.dataset.confirm ? submitter : form;
    var question = source.dataset.confirm;
    if (!question || form.dataset.confirmed === "yes" || !dialog || !dialog.showModal) { return; }
    event.preventDefault();
    document.getElementById("confirm-dialog-message").textContent = question;
    document.getElementById("confirm-dialog-ok").textContent = source.dataset.confirmLabel || "Confirm";
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue !== "confirm") {
        (submitter || form.querySelector("[type=submit]") || document.body).focus();
        return;
      }
      form.dataset.confirmed = "yes";
      if (submitter && submitter.form === form) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    });
  });

  // A refused form: the summary of its problems takes the focus; its links focus the field.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    var closed = target.closest("details:not([open])");
    if (closed) { closed.open = true; }
    var field = target.matches("input, select, textarea, button") ? target : target.querySelector("input, select, textarea");
    (field || target).focus();
    (field || target).scrollIntoView({block: "center"});
  });

  // Enhancements of the elements under `root`: the page at load, and any part added later (the
  // Security page's fetched panels dispatch "content:added" with the new element as detail).
  var secrets = 0;
  function enhance(root) {
    // Show/hide on secret fields: a toggle button (aria-pressed) after each password input.
    root.querySelectorAll("input[type=password]").forEach(function (input) {
      var group = document.createElement("div");
      group.className = "input-group has-validation";
      input.parentNode.insertBefore(group, input);
      group.appendChild(input);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-secondary reveal-button";
      button.textContent = "Show";
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-controls", input.id || (input.id = "secret-" + (++secrets)));
      group.appendChild(button);
      // Bootstrap shows a field's error text when it follows an .is-invalid sibling: keep it inside the group.
      var feedback = group.nextElementSibling;
      if (feedback && feedback.classList.contains("invalid-feedback")) { group.appendChild(feedback); }
      button.addEventListener("click", function () {
        var shown = input.type === "text";
        input.type = shown ? "password" : "text";
        button.textContent = shown ? "Show" : "Hide";
        button.setAttribute("aria-pressed", shown ? "false" : "true");
      });
    });

    // Copy buttons: data-copy-target names the element whose value (or text) is copied.
    root.querySelectorAll(".copy-button").forEach(function (button) {
      var label = button.textContent;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copyTarget);
        var text = "value" in source ? source.value : source.textContent;
        var done = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { legacyCopy(source); done(); });
        } else { legacyCopy(source); done(); }
      });
    });
  }
  enhance(document);
  document.addEventListener("content:added", function (event) { enhance(event.detail); });

  function legacyCopy(source) {
    if (source.select) { source.select(); } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    document.execCommand("copy");
  }

  // A Bootstrap modal opens with the focus on the element marked data-autofocus (Pick & Create).
  document.querySelectorAll(".modal").forEach(function (modal) {
    modal.addEventListener("shown.bs.modal", function () {
      var first = modal.querySelector("[data-autofocus]");
      if (first) { first.focus(); }
    });
  });
})();
