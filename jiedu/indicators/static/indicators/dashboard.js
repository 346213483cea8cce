// Draws the dashboard's charts from the JSON the page carries (#indicator-charts); no network but this site.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("indicator-charts");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var trendEl = document.getElementById("trend-chart");
    if (trendEl) {
      var trend = echarts.init(trendEl);
      var percent = data.series.filter(function (s) { return s.code !== "in_treatment" && s.code !== "dose_mean"; });
      trend.setOption({
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 48, right: 48, top: 24, bottom: 56 },
        xAxis: { type: "category", data: data.labels },
        yAxis: [{ type: "value", name: "" }, { type: "value", name: "%", max: 100 }],
        series: data.series.map(function (s) {
          return {
            name: s.name, type: s.code === "in_treatment" ? "bar" : "line", data: s.data, connectNulls: false,
            yAxisIndex: percent.indexOf(s) >= 0 ? 1 : 0
          };
        })
      });
      trendEl.dataset.drawn = "trend";
      window.addEventListener("resize", function () { trend.resize(); });
    }
    var mapEl = document.getElementById("map-chart");
    if (mapEl && data.geo) {
      fetch(data.geo.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
        echarts.registerMap(data.geo.name, geo);
        var map = echarts.init(mapEl);
        var regions = geo.features.map(function (f) {
          return { name: f.properties.name, selected: f.id === data.geo.focus };
        });
        map.setOption({
          tooltip: { trigger: "item", formatter: function (p) { return p.name; } },
          geo: { map: data.geo.name, roam: true, regions: regions, itemStyle: { areaColor: "#eef1f5", borderColor: "#8a94a3" },
                 emphasis: { itemStyle: { areaColor: "#dbe7f5" } }, select: { itemStyle: { areaColor: "#cfe0f5" } } },
          series: [{ type: "scatter", coordinateSystem: "geo", data: data.sites, symbolSize: 9,
                     itemStyle: { color: "#0b5cad" } }]
        });
        mapEl.dataset.drawn = "map";
        mapEl.dataset.sites = String(data.sites.length);
        window.addEventListener("resize", function () { map.resize(); });
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
