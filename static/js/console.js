// The request console of a connection's page: Send posts the form with fetch and swaps in the console part
// the server answers (the form, the recent requests, the response) instead of loading the whole page again.
// Without this script the form posts as usual and the whole page comes back.
(function () {
  "use strict";

  var area = document.getElementById("console-area");
  if (!area || !window.fetch || !window.FormData) { return; }

  area.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "console-form" || event.defaultPrevented) { return; }
    event.preventDefault();
    // The previous response goes at once: what is shown next is the answer to this request.
    var previous = document.getElementById("console-result");
    if (previous) { previous.remove(); }
    var button = form.querySelector("[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"X-Console": "fragment"}})
      .then(function (response) {
        // Signed out meanwhile, or anything unexpected: post the form as the browser would.
        if (response.redirected || (!response.ok && response.status !== 400)) { throw new Error("not a console answer"); }
        return response.text();
      })
      .then(function (html) {
        area.innerHTML = html;
        document.dispatchEvent(new CustomEvent("content:added", {detail: area}));
        var focus = document.getElementById("error-summary") || document.getElementById("console-result");
        if (focus) { focus.focus(); }
      })
      .catch(function () {
        if (button) { button.disabled = false; }
        if (document.body.contains(form)) { form.submit(); }
      });
  });
})();
