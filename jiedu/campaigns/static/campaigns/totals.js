// Draws the totals page's bar charts from the JSON the page carries (#campaign-charts); no network but this site.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("campaign-charts");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var settingEl = document.getElementById("setting-chart");
    if (settingEl) {
      var chart = echarts.init(settingEl);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 56, top: 24, bottom: 64 },
        xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 20 : 0 } },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1 }],
        series: data.series.map(function (s, i) {
          return { name: s.name, type: "bar", data: s.data, yAxisIndex: i };
        })
      });
      settingEl.dataset.drawn = "settings";
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var countyEl = document.getElementById("county-chart");
    if (countyEl) {
      var counties = echarts.init(countyEl);
      counties.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 24, top: 24, bottom: 64 },
        xAxis: { type: "category", data: data.counties.labels, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: data.series[0].name, type: "bar", data: data.counties.data }]
      });
      countyEl.dataset.drawn = "counties";
      window.addEventListener("resize", function () { counties.resize(); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
