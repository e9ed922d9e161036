// "Select the whole department" boxes of templates/appraisal/officer_people_picker.html.
document.querySelectorAll("[data-picker-unit]").forEach((unit) => {
  const all = unit.querySelector("[data-picker-all]");
  const boxes = Array.from(unit.querySelectorAll("input[type=checkbox]:not([data-picker-all]):not(:disabled)"));
  const sync = () => {
    const checked = boxes.filter((b) => b.checked).length;
    all.checked = boxes.length > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  };
  all.disabled = boxes.length === 0;
  all.addEventListener("change", () => {
    boxes.forEach((b) => { b.checked = all.checked; });
    sync();
  });
  boxes.forEach((b) => b.addEventListener("change", sync));
  sync();
});
