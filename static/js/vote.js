// The participants' pages (templates/reviews/vote_*.html).
(function () {
  "use strict";

  // A QR code opens …/vote/#CODE: put the code into the field, then drop it from the address bar and history.
  var codeInput = document.querySelector("input.vote-code");
  if (codeInput && window.location.hash.length > 1) {
    codeInput.value = decodeURIComponent(window.location.hash.slice(1)).trim();
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  // "清空": unmark every question of one subject (a radio button cannot be unchecked by tapping it again).
  document.querySelectorAll("[data-clear-subject]").forEach(function (button) {
    button.addEventListener("click", function () {
      var card = document.getElementById(button.getAttribute("data-clear-subject"));
      card.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = false; });
      card.querySelectorAll("input[type=number]").forEach(function (field) { field.value = ""; });
    });
  });

  // One tap sends the ballot once; the server refuses a second ballot for the code anyway.
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });
})();
