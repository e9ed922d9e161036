// Charts of the officer's dashboard (templates/appraisal/officer_dashboard.html), drawn with the vendored ECharts
// from the same numbers as the table below them (json_script "dashboard-data").
(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const L = data.labels;
  const colors = { good: "#198754", late: "#fd7e14", missing: "#dc3545", grades: ["#b0191e", "#0d6efd", "#ffc107", "#6c757d"] };
  const charts = [];

  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } } }, option));
    charts.push(chart);
  }

  function stacked(name, values, color) {
    return { name: name, type: "bar", stack: "total", data: values, itemStyle: { color: color }, barMaxWidth: 28 };
  }

  const unitAxis = { type: "category", data: data.units, axisLabel: { interval: 0, rotate: data.units.length > 5 ? 30 : 0 } };
  const countAxis = { type: "value", minInterval: 1 };
  const grid = { left: 40, right: 10, top: 40, bottom: 60 };

  draw("chart-logs", {
    legend: { top: 0 },
    grid: grid,
    xAxis: unitAxis,
    yAxis: countAxis,
    series: [
      stacked(L.on_time, data.logs.on_time, colors.good),
      stacked(L.late, data.logs.late, colors.late),
      stacked(L.missing_log, data.logs.missing, colors.missing),
    ],
  });

  // Summaries and ratings side by side for each unit: two stacks per category.
  function quarterBar(name, values, color, stack) {
    return { name: name, type: "bar", stack: stack, data: values, itemStyle: { color: color }, barMaxWidth: 22 };
  }
  draw("chart-quarter", {
    legend: { top: 0, data: [L.written, L.missing_summary, L.signed, L.missing_rating] },
    grid: grid,
    xAxis: unitAxis,
    yAxis: countAxis,
    series: [
      quarterBar(L.written, data.summaries.written, "#20c997", "summaries"),
      quarterBar(L.missing_summary, data.summaries.missing, "#f1aeb5", "summaries"),
      quarterBar(L.signed, data.ratings.signed, "#0d6efd", "ratings"),
      quarterBar(L.missing_rating, data.ratings.missing, colors.missing, "ratings"),
    ],
  });

  const rated = data.grades.reduce(function (sum, g) { return sum + g.value; }, 0);
  draw("chart-grades", rated === 0 ? {
    title: { text: L.no_ratings, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } },
  } : {
    tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
    // The counts go in the legend: slice labels of a 1-person grade would overlap or be cut.
    legend: {
      bottom: 0,
      formatter: function (name) {
        const grade = data.grades.find(function (g) { return g.name === name; });
        return name + " " + grade.value;
      },
    },
    color: colors.grades,
    series: [{
      type: "pie",
      radius: ["35%", "70%"],
      center: ["50%", "45%"],
      label: { show: false },
      data: data.grades,
    }],
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
