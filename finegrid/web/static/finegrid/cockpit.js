/* The cockpit's charts (ECharts), from the figures the page embeds in #cockpit-charts.
 * Every category keeps its label, however narrow the screen: histogram labels turn
 * aslant when they no longer fit side by side, and the party-organization chart lies on
 * its side so that its long names have room and wrap. */
(function () {
  "use strict";

  // Below this many pixels per category, a histogram's labels are drawn aslant.
  const UPRIGHT_LABEL_WIDTH = 64;

  function draw(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const chart = echarts.init(element, null, { renderer: "svg" });
    const render = () => chart.setOption(option(element.clientWidth));
    render();
    window.addEventListener("resize", () => { chart.resize(); render(); });
    element.dataset.ready = "1";
  }

  // Counts per bin, bins along the bottom.
  function histogram(id, rows, color) {
    draw(id, (width) => ({
      grid: { left: 40, right: 12, top: 16, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category",
        data: rows.map((r) => r.bin),
        axisLabel: { interval: 0, rotate: width / rows.length < UPRIGHT_LABEL_WIDTH ? 40 : 0 },
      },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: rows.map((r) => r.count), itemStyle: { color } }],
      animation: false,
    }));
  }

  // Counts per kind, one bar per line, the kinds' names (wrapped if need be) on the left.
  function horizontalBars(id, rows, color) {
    draw(id, (width) => ({
      grid: { left: 8, right: 24, top: 8, bottom: 24 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        inverse: true, // first kind on top
        data: rows.map((r) => r.kind),
        axisLabel: { interval: 0, width: Math.min(160, width * 0.4), overflow: "break" },
      },
      series: [{ type: "bar", data: rows.map((r) => r.count), itemStyle: { color } }],
      animation: false,
    }));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const data = JSON.parse(document.getElementById("cockpit-charts").textContent);
    histogram("chart-households", data.households, "#1d5fa8");
    histogram("chart-minutes", data.minutes, "#2e7d32");
    horizontalBars("chart-party", data.party, "#c0392b");
  });
})();
