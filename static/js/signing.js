/* The live 优秀 count on the signing and correction pages (DOMAIN.md §5: at most 15% of the group, rounded down).
   The server decides; this only shows the leader the count while they choose grades or type scores.
   #quota-counter carries the quota, the 优秀 already signed in the group, the score thresholds of the year and
   the grade labels; each grade <select data-grade> or score <input data-score> is counted, and every
   [data-quota-display] (the counter, and the signing bar that stays in view) shows the count. */
(function () {
  "use strict";
  var counter = document.getElementById("quota-counter");
  if (!counter) {
    return;
  }
  var data = counter.dataset;
  var quota = Number(data.quota);
  var signed = Number(data.signed);
  var thresholds = [
    ["excellent", Number(data.excellentMin)],
    ["competent", Number(data.competentMin)],
    ["basic", Number(data.basicMin)],
  ];
  var displays = document.querySelectorAll("[data-quota-display]");

  function gradeForScore(text) {
    if (text === "" || isNaN(Number(text))) {
      return "";
    }
    var score = Number(text);
    if (score < 0 || score > 100) {
      return "";
    }
    for (var i = 0; i < thresholds.length; i++) {
      if (score >= thresholds[i][1]) {
        return thresholds[i][0];
      }
    }
    return "incompetent";
  }

  function update() {
    var count = signed;
    document.querySelectorAll("select[data-grade]").forEach(function (select) {
      if (select.value === "excellent") {
        count += 1;
      }
    });
    document.querySelectorAll("input[data-score]").forEach(function (input) {
      var grade = gradeForScore(input.value.trim());
      var derived = document.querySelector('[data-derived-for="' + input.id + '"]');
      if (derived) {
        derived.textContent = grade ? data["label" + grade.charAt(0).toUpperCase() + grade.slice(1)] : "";
      }
      if (grade === "excellent") {
        count += 1;
      }
    });
    var over = count > quota;
    displays.forEach(function (display) {
      display.querySelector("[data-count]").textContent = String(count);
      display.querySelector("[data-over]").hidden = !over;
      display.classList.toggle("text-danger", over);
      display.classList.toggle("border-danger", over);
    });
  }

  document.addEventListener("change", update);
  document.addEventListener("input", update);
  update();
})();
