/*
 * WildNet charts: a line or bar chart drawn from the table that holds its data.
 *
 *   <table class="chart" data-chart="line|bar" data-unit="h|%">
 *     <caption>What the chart shows</caption>
 *     <thead><tr><th>Month</th><th>Series A</th><th>Series B</th></tr></thead>
 *     <tbody><tr><th>January 2026</th><td data-value="3.25">3 h 15 min</td><td>No data</td></tr>…</tbody>
 *   </table>
 *
 * The table stays on the page: it is the chart's text alternative and its data for print, copy and screen
 * readers. The script inserts an SVG picture before it (role="img", named by the caption). A cell gives its
 * figure as a plain number in data-value (the picture's geometry) and as its reader sees it in its text (the
 * picture writes that text, so a figure reads the same in both); a cell without data-value is no data: a line
 * breaks there, a bar is left out. Colours and dashes come from the stylesheet's classes (chart-series-N), never
 * from inline style, which the Content Security Policy forbids. No library: the console runs on closed networks.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 720;
  var PLOT_HEIGHT = 240;
  var MARGIN = { top: 44, right: 16, bottom: 40, left: 80 };
  var SERIES_STYLES = 6;
  var CHAR = 7; // average width of a character of the 12px axis and legend text, in SVG units
  var FIGURE_CHAR = 6; // the same for the 11px figures written over bars
  var LEGEND_ROW = 22;

  function element(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function text(parent, x, y, content, attributes) {
    var node = element("text", Object.assign({ x: x, y: y }, attributes || {}), parent);
    node.textContent = content;
    return node;
  }

  function tooltip(parent, content) {
    element("title", {}, parent).textContent = content;
  }

  /* The table's data: its caption, the series (header cells after the first), the rows of (label, values). */
  function read(table) {
    var header = table.tHead && table.tHead.rows[0];
    var body = table.tBodies[0];
    if (!header || !body) { return null; }
    var series = Array.prototype.slice.call(header.cells, 1).map(function (cell) { return cell.textContent.trim(); });
    var rows = Array.prototype.map.call(body.rows, function (row) {
      var cells = Array.prototype.slice.call(row.cells);
      return {
        label: cells[0].textContent.trim(),
        values: cells.slice(1).map(function (cell) {
          var raw = cell.getAttribute("data-value");
          var value = raw === null || raw === "" ? NaN : Number(raw);
          return isFinite(value) ? { value: value, text: cell.textContent.trim() } : null;
        })
      };
    });
    return {
      caption: table.caption ? table.caption.textContent.trim().replace(/\s+/g, " ") : "",
      series: series,
      rows: rows,
      unit: table.getAttribute("data-unit") || ""
    };
  }

  /* A round step giving about five ticks from 0 to max: 1, 2, 2.5 or 5 times a power of ten. */
  function niceStep(max) {
    var rough = max / 5;
    var power = Math.pow(10, Math.floor(Math.log10(rough)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= rough) { return steps[i] * power; }
    }
    return 10 * power;
  }

  function scale(data) {
    var max = 0;
    data.rows.forEach(function (row) {
      row.values.forEach(function (cell) { if (cell && cell.value > max) { max = cell.value; } });
    });
    if (data.unit === "%" && max <= 100) { max = 100; }
    if (max <= 0) { max = 1; }
    var step = niceStep(max);
    var top = Math.ceil(max / step - 1e-9) * step;
    if (data.unit !== "%" && max > top * 0.95) { top += step; } // room above the highest point for its figure
    var ticks = [];
    for (var tick = 0; tick <= top + step / 1e6; tick += step) { ticks.push(tick); }
    return { top: top, ticks: ticks, y: function (value) { return MARGIN.top + PLOT_HEIGHT * (1 - value / top); } };
  }

  function tickLabel(value, unit, language) {
    var number = new Intl.NumberFormat(language, { maximumFractionDigits: 2 }).format(value);
    return unit ? number + "\u00a0" + unit : number;
  }

  function drawAxes(svg, data, y, plotWidth, language) {
    var axes = element("g", { "class": "chart-axes" }, svg);
    y.ticks.forEach(function (tick) {
      var at = y.y(tick);
      element("line", { "class": "chart-grid", x1: MARGIN.left, x2: MARGIN.left + plotWidth, y1: at, y2: at }, axes);
      text(axes, MARGIN.left - 8, at + 4, tickLabel(tick, data.unit, language), { "text-anchor": "end" });
    });
    element("line", { "class": "chart-axis", x1: MARGIN.left, x2: MARGIN.left + plotWidth,
                      y1: MARGIN.top + PLOT_HEIGHT, y2: MARGIN.top + PLOT_HEIGHT }, axes);
    element("line", { "class": "chart-axis", x1: MARGIN.left, x2: MARGIN.left,
                      y1: MARGIN.top, y2: MARGIN.top + PLOT_HEIGHT }, axes);
    return axes;
  }

  /* The row labels under the plot, one every few rows when they would overlap. */
  function drawCategories(axes, data, centre, slot) {
    var longest = data.rows.reduce(function (most, row) { return Math.max(most, row.label.length); }, 1);
    var every = Math.max(1, Math.ceil((longest * CHAR + 8) / slot));
    data.rows.forEach(function (row, index) {
      if (index % every !== 0) { return; }
      var x = centre(index);
      element("line", { "class": "chart-axis", x1: x, x2: x, y1: MARGIN.top + PLOT_HEIGHT,
                        y2: MARGIN.top + PLOT_HEIGHT + 5 }, axes);
      text(axes, x, MARGIN.top + PLOT_HEIGHT + 20, row.label, { "text-anchor": "middle" });
    });
  }

  function seriesGroup(svg, data, index) {
    return element("g", { "class": "chart-series chart-series-" + (index % SERIES_STYLES),
                          "data-series": data.series[index] }, svg);
  }

  function drawLines(svg, data, y, plotWidth) {
    var slot = plotWidth / Math.max(1, data.rows.length);
    var centre = function (index) { return MARGIN.left + slot * (index + 0.5); };
    data.series.forEach(function (name, s) {
      var group = seriesGroup(svg, data, s);
      var path = "";
      var drawing = false;
      data.rows.forEach(function (row, index) {
        var cell = row.values[s];
        if (!cell) { drawing = false; return; }
        path += (drawing ? " L" : " M") + centre(index).toFixed(1) + " " + y.y(cell.value).toFixed(1);
        drawing = true;
      });
      if (path) { element("path", { "class": "chart-line", d: path.trim(), fill: "none" }, group); }
      data.rows.forEach(function (row, index) {
        var cell = row.values[s];
        if (!cell) { return; }
        // Each series' points a little smaller than the previous one's: equal figures (a median and a p90 of
        // one notice) show as rings rather than hiding each other.
        var point = element("circle", { "class": "chart-point", cx: centre(index).toFixed(1),
                                        cy: y.y(cell.value).toFixed(1), r: Math.max(2.5, 6 - 1.25 * s) }, group);
        tooltip(point, row.label + " · " + name + ": " + cell.text);
      });
    });
    return { centre: centre, slot: slot };
  }

  function drawBars(svg, data, y, plotWidth) {
    var slot = plotWidth / Math.max(1, data.rows.length);
    var centre = function (index) { return MARGIN.left + slot * (index + 0.5); };
    var width = Math.min(96, (slot * 0.8) / Math.max(1, data.series.length));
    data.series.forEach(function (name, s) {
      var group = seriesGroup(svg, data, s);
      data.rows.forEach(function (row, index) {
        var cell = row.values[s];
        if (!cell) { return; }
        var x = centre(index) - (width * data.series.length) / 2 + width * s;
        var top = y.y(cell.value);
        var bar = element("rect", { "class": "chart-bar", x: x.toFixed(1), y: top.toFixed(1),
                                    width: Math.max(1, width - 2).toFixed(1),
                                    height: Math.max(0, MARGIN.top + PLOT_HEIGHT - top).toFixed(1) }, group);
        tooltip(bar, row.label + " · " + name + ": " + cell.text);
        if (cell.text.length * FIGURE_CHAR <= width - 4) {
          text(group, (x + width / 2 - 1).toFixed(1), (top - 5).toFixed(1), cell.text,
               { "class": "chart-figure-label", "text-anchor": "middle" });
        }
      });
    });
    return { centre: centre, slot: slot };
  }

  /* The legend under the axis: a swatch (a bar, or a stretch of the line with its dashes) and the series' name. */
  function drawLegend(svg, data, kind, top) {
    var legend = element("g", { "class": "chart-legend" }, svg);
    var x = MARGIN.left;
    var y = top;
    data.series.forEach(function (name, s) {
      var room = 28 + name.length * CHAR + 16;
      if (x > MARGIN.left && x + room > WIDTH - MARGIN.right) { x = MARGIN.left; y += LEGEND_ROW; }
      var item = element("g", { "class": "chart-series chart-series-" + (s % SERIES_STYLES) }, legend);
      if (kind === "bar") {
        element("rect", { "class": "chart-bar", x: x, y: y - 10, width: 20, height: 12 }, item);
      } else {
        element("line", { "class": "chart-line", x1: x, x2: x + 20, y1: y - 4, y2: y - 4 }, item);
        element("circle", { "class": "chart-point", cx: x + 10, cy: y - 4, r: 4 }, item);
      }
      text(item, x + 28, y, name);
      x += room;
    });
    return y + 12;
  }

  function draw(table) {
    if (table.getAttribute("data-drawn") === "true") { return; }
    var kind = table.getAttribute("data-chart");
    var data = read(table);
    if (!data || (kind !== "line" && kind !== "bar") || !data.rows.length || !data.series.length) { return; }
    var language = document.documentElement.lang || undefined;
    var plotWidth = WIDTH - MARGIN.left - MARGIN.right;
    var svg = element("svg", { "class": "chart-svg chart-" + kind, role: "img", "aria-label": data.caption,
                               focusable: "false" });
    element("title", {}, svg).textContent = data.caption;
    // The caption over the picture as well, so that a chart is named where it is seen and where it is printed.
    text(svg, 0, 18, data.caption, { "class": "chart-caption" });
    var y = scale(data);
    var axes = drawAxes(svg, data, y, plotWidth, language);
    var layout = kind === "bar" ? drawBars(svg, data, y, plotWidth) : drawLines(svg, data, y, plotWidth);
    drawCategories(axes, data, layout.centre, layout.slot);
    var bottom = drawLegend(svg, data, kind, MARGIN.top + PLOT_HEIGHT + MARGIN.bottom);
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + (bottom + 8));
    table.parentNode.insertBefore(svg, table);
    table.setAttribute("data-drawn", "true");
  }

  function drawAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table.chart[data-chart]"), draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Parts of a page htmx swaps in get their charts too.
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
}());
