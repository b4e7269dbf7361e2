/* The cockpit's charts (ECharts), from the figures the page embeds in #cockpit-charts. */
(function () {
  "use strict";

  function bar(id, rows, labelKey, color) {
    const element = document.getElementById(id);
    if (!element) return;
    const chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 40, right: 12, top: 16, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => r[labelKey]) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: rows.map((r) => r.count), itemStyle: { color } }],
      animation: false,
    });
    window.addEventListener("resize", () => chart.resize());
    element.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const data = JSON.parse(document.getElementById("cockpit-charts").textContent);
    bar("chart-households", data.households, "bin", "#1d5fa8");
    bar("chart-minutes", data.minutes, "bin", "#2e7d32");
    bar("chart-party", data.party, "kind", "#c0392b");
  });
})();
