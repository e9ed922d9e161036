// The work-performance entry page (templates/appraisal/cadre_scores.html): the adjusted score (typed score plus
// the year's commendation and penalty points) follows what is typed. Hundredths as integers: no float residue.
document.querySelectorAll("[data-score-row][data-adjustment]").forEach((row) => {
  const input = row.querySelector("[data-score-input]");
  const cell = row.querySelector("[data-adjusted]");
  const adjustment = parseInt(row.dataset.adjustment, 10) || 0;
  const show = () => {
    const text = input.value.trim();
    const typed = Number(text);
    if (text === "" || !Number.isFinite(typed)) {
      cell.textContent = "";
      return;
    }
    const hundredths = Math.round(typed * 100) + adjustment * 100;
    const sign = hundredths < 0 ? "-" : "";
    const absolute = Math.abs(hundredths);
    cell.textContent = `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`;
  };
  input.addEventListener("input", show);
  show();
});
