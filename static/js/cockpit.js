/* 领导驾驶舱: draws the charts with Apache ECharts (static/vendor/echarts.min.js).
 *
 * The server hands the figures over in <script type="application/json" id="cockpit-charts">
 * (json_script): per chart its categories and series, each value with the URL of the list
 * behind it. A click on a bar or a slice opens that list; the table beside each chart shows
 * the same figures. In the meeting-room view (data-screen) the charts are drawn dark, the
 * 全屏显示 button asks the browser for full screen, and the page reloads every five minutes.
 */
(function () {
  "use strict";

  const REFRESH_MS = 5 * 60 * 1000;
  const PALETTE = ["#1d4f91", "#e59a1c", "#1a7f4b", "#c8161d", "#6b5bd2", "#0e8fa3", "#8a6d3b",
    "#d35f9b", "#4b5563", "#7fb800"];

  function readData() {
    const element = document.getElementById("cockpit-charts");
    return element ? JSON.parse(element.textContent) : null;
  }

  function amountText(value, units) {
    // Amounts come in 万元; from 1 亿 (10,000 万元) up they read in 亿元.
    if (Math.abs(value) >= 10000) {
      return `${(value / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 })} ${units.yi}`;
    }
    return `${value.toLocaleString("zh-CN", { maximumFractionDigits: 2 })} ${units.wan}`;
  }

  function axisAmount(value, units) {
    if (Math.abs(value) >= 10000) {
      return `${(value / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 1 })}${units.yi}`;
    }
    return `${value.toLocaleString("zh-CN", { maximumFractionDigits: 0 })}`;
  }

  function valueText(series, value, units) {
    return series.amount ? amountText(value, units) : value.toLocaleString("zh-CN");
  }

  function tooltip(chart, units) {
    return {
      trigger: chart.kind === "pie" ? "item" : "axis",
      axisPointer: { type: "shadow" },
      formatter(params) {
        const items = Array.isArray(params) ? params : [params];
        const title = items[0].name;
        const lines = items.map((item) => {
          const series = chart.series[item.seriesIndex];
          const share = item.percent === undefined ? "" : `（${item.percent}%）`;
          return `${item.marker}${series.name}：${valueText(series, item.value, units)}${share}`;
        });
        return [title, ...lines].join("<br>");
      },
    };
  }

  function pieOption(chart, units, dark) {
    const series = chart.series[0];
    return {
      tooltip: tooltip(chart, units),
      series: [{
        name: series.name,
        type: "pie",
        radius: ["42%", "72%"],
        center: ["50%", "52%"],
        avoidLabelOverlap: true,
        itemStyle: { borderColor: dark ? "#0b1a2f" : "#fff", borderWidth: 2 },
        label: { formatter: "{b}\n{c}", fontSize: dark ? 14 : 11 },
        data: chart.categories.map((name, index) => ({ name, value: series.values[index] })),
      }],
    };
  }

  function barOption(chart, units, dark) {
    const horizontal = chart.kind === "hbar";
    const amounts = chart.series.some((series) => series.amount && !series.line);
    const counts = chart.series.some((series) => !series.amount || series.line);
    const twoAxes = amounts && counts;
    const valueAxes = [];
    if (amounts) {
      valueAxes.push({ type: "value", axisLabel: { formatter: (v) => axisAmount(v, units) } });
    }
    if (counts) {
      valueAxes.push({ type: "value", minInterval: 1, splitLine: { show: !twoAxes } });
    }
    const categoryAxis = {
      type: "category",
      data: chart.categories,
      axisLabel: { interval: 0, fontSize: dark ? 14 : 11, hideOverlap: true },
    };
    return {
      tooltip: tooltip(chart, units),
      legend: chart.series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 8, right: 16, top: chart.series.length > 1 ? 32 : 12, bottom: 8,
        containLabel: true },
      xAxis: horizontal ? valueAxes[0] : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxes,
      series: chart.series.map((series) => ({
        name: series.name,
        type: series.line ? "line" : "bar",
        yAxisIndex: !horizontal && twoAxes && (series.line || !series.amount) ? 1 : 0,
        barMaxWidth: 28,
        cursor: "pointer",
        data: series.values,
      })),
    };
  }

  function draw(element, chart, units, dark) {
    const instance = window.echarts.init(element, dark ? "dark" : null, { renderer: "canvas" });
    const option = chart.kind === "pie" ? pieOption(chart, units, dark) : barOption(chart, units, dark);
    option.color = PALETTE;
    option.backgroundColor = "transparent";
    option.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily };
    instance.setOption(option);
    instance.on("click", (params) => {
      const series = chart.series[params.seriesIndex];
      const url = series && series.urls[params.dataIndex];
      if (url) {
        window.location.assign(url);
      }
    });
    return instance;
  }

  function drawAll() {
    const data = readData();
    if (!data || !window.echarts) {
      return;
    }
    const dark = document.querySelector("[data-cockpit][data-screen]") !== null;
    const instances = [];
    document.querySelectorAll("[data-chart]").forEach((element) => {
      const chart = data[element.dataset.chart];
      if (chart && chart.categories.length) {
        instances.push(draw(element, chart, data.units, dark));
      }
    });
    window.addEventListener("resize", () => instances.forEach((instance) => instance.resize()));
    document.addEventListener("fullscreenchange", () => {
      instances.forEach((instance) => instance.resize());
    });
  }

  function screenMode() {
    if (!document.querySelector("[data-cockpit][data-screen]")) {
      return;
    }
    const button = document.querySelector("[data-fullscreen]");
    if (button && document.fullscreenEnabled) {
      button.addEventListener("click", () => {
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else {
          document.documentElement.requestFullscreen();
        }
      });
    } else if (button) {
      button.hidden = true;
    }
    window.setTimeout(() => window.location.reload(), REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawAll();
    screenMode();
  });
})();
