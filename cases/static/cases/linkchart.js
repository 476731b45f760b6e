// WildNet link chart: draws the graph held in the page's JSON block as SVG, with a small force-directed layout.
// Progressive enhancement only: without this script the table below the chart is the page (it holds the same
// links), and it is what prints. The server has already translated every label; nothing here is read as HTML.
"use strict";

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 960;
  const HEIGHT = 560;
  const MARGIN = 90;
  const ITERATIONS = 300;
  const LABEL_LENGTH = 26;

  const canvas = document.querySelector(".linkchart-canvas");
  const source = canvas && document.getElementById(canvas.dataset.chart);
  if (!source) {
    return;
  }
  const data = JSON.parse(source.textContent);
  if (!data.nodes.length) {
    return;
  }

  function element(name, attributes) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, String(value));
    }
    return node;
  }

  // Fruchterman–Reingold: every pair repels, every edge pulls, a weak gravity keeps loose parts near the middle,
  // and a falling temperature caps each move. The start is deterministic (rings by type), so a chart looks the
  // same each time it is shown; the chart's own case or identifier is pinned in the middle.
  function layout(nodes, edges) {
    const rings = { entity: 0.45, case: 0.85, listing: 0.9, held: 0.95 };
    const k = Math.sqrt((WIDTH * HEIGHT) / nodes.length) * 0.9;
    nodes.forEach((node, index) => {
      const angle = (2 * Math.PI * index) / nodes.length;
      const radius = node.focus ? 0 : (rings[node.type] || 0.7) * (HEIGHT / 2);
      node.x = radius * Math.cos(angle);
      node.y = radius * Math.sin(angle);
    });
    let temperature = WIDTH / 8;
    for (let step = 0; step < ITERATIONS; step += 1) {
      for (const node of nodes) {
        node.dx = -node.x * 0.01;
        node.dy = -node.y * 0.01;
      }
      for (let i = 0; i < nodes.length; i += 1) {
        for (let j = i + 1; j < nodes.length; j += 1) {
          const a = nodes[i];
          const b = nodes[j];
          const dx = a.x - b.x;
          const dy = a.y - b.y;
          const distance = Math.max(Math.hypot(dx, dy), 0.01);
          const force = (k * k) / distance;
          a.dx += (dx / distance) * force;
          a.dy += (dy / distance) * force;
          b.dx -= (dx / distance) * force;
          b.dy -= (dy / distance) * force;
        }
      }
      for (const edge of edges) {
        const dx = edge.from.x - edge.to.x;
        const dy = edge.from.y - edge.to.y;
        const distance = Math.max(Math.hypot(dx, dy), 0.01);
        const force = (distance * distance) / k;
        edge.from.dx -= (dx / distance) * force;
        edge.from.dy -= (dy / distance) * force;
        edge.to.dx += (dx / distance) * force;
        edge.to.dy += (dy / distance) * force;
      }
      for (const node of nodes) {
        const length = Math.hypot(node.dx, node.dy);
        if (node.focus || length === 0) {
          continue;
        }
        const move = Math.min(length, temperature);
        node.x += (node.dx / length) * move;
        node.y += (node.dy / length) * move;
      }
      temperature = Math.max(temperature * 0.98, 1);
    }
    fit(nodes);
  }

  // Stretch and centre the layout into the wide drawing, leaving a margin for the labels. Each axis is scaled on
  // its own (a force layout is roughly round, the drawing is not), never more than three times.
  function fit(nodes) {
    const xs = nodes.map((node) => node.x);
    const ys = nodes.map((node) => node.y);
    const scaleX = Math.min((WIDTH - 2 * MARGIN) / (Math.max(...xs) - Math.min(...xs) || 1), 3);
    const scaleY = Math.min((HEIGHT - 2 * MARGIN) / (Math.max(...ys) - Math.min(...ys) || 1), 3);
    const middleX = (Math.max(...xs) + Math.min(...xs)) / 2;
    const middleY = (Math.max(...ys) + Math.min(...ys)) / 2;
    for (const node of nodes) {
      node.x = WIDTH / 2 + (node.x - middleX) * scaleX;
      node.y = HEIGHT / 2 + (node.y - middleY) * scaleY;
    }
  }

  function shape(node) {
    const size = node.focus ? 18 : 13;
    if (node.type === "case") {
      return element("rect", { class: "shape-case", x: -size, y: -size, width: 2 * size, height: 2 * size });
    }
    if (node.type === "listing") {
      return element("polygon", { class: "shape-listing", points: `0,${-size} ${size},0 0,${size} ${-size},0` });
    }
    if (node.type === "held") {
      return element("polygon", { class: "shape-held", points: `0,${-size - 2} ${size + 2},${size} ${-size - 2},${size}` });
    }
    return element("circle", { class: "shape-entity", r: size });
  }

  function short(text) {
    return text.length > LABEL_LENGTH ? `${text.slice(0, LABEL_LENGTH - 1)}…` : text;
  }

  function draw() {
    const byId = new Map(data.nodes.map((node) => [node.id, node]));
    const edges = data.edges
      .filter((edge) => byId.has(edge.source) && byId.has(edge.target))
      .map((edge) => ({ ...edge, from: byId.get(edge.source), to: byId.get(edge.target) }));
    layout(data.nodes, edges);

    const svg = element("svg", { class: "linkchart-svg", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "group",
                                 "aria-label": canvas.dataset.label });
    const lines = element("g", { "aria-hidden": "true" });
    for (const edge of edges) {
      edge.line = element("line", { class: edge.to.type === "held" ? "edge edge-held" : "edge",
                                    x1: edge.from.x, y1: edge.from.y, x2: edge.to.x, y2: edge.to.y });
      lines.append(edge.line);
      if (edge.label) {
        const label = element("text", { class: "edge-label", x: (edge.from.x + edge.to.x) / 2,
                                        y: (edge.from.y + edge.to.y) / 2, "text-anchor": "middle" });
        label.textContent = short(edge.label);
        lines.append(label);
      }
    }
    svg.append(lines);

    const details = document.getElementById(canvas.dataset.details);
    const show = (node) => {
      const linked = edges.filter((edge) => edge.from === node || edge.to === node);
      for (const edge of edges) {
        edge.line.classList.toggle("active", linked.includes(edge));
      }
      for (const other of data.nodes) {
        other.group.classList.toggle("active", other === node);
      }
      const names = linked.map((edge) => {
        const other = edge.from === node ? edge.to : edge.from;
        return edge.label ? `${other.label} (${edge.label})` : other.label;
      });
      details.textContent = [`${node.kind}: ${node.label}`, node.detail,
                             names.length ? `${canvas.dataset.links} ${names.join(", ")}` : ""]
        .filter(Boolean).join(" — ");
    };

    for (const node of data.nodes) {
      const name = [`${node.kind}: ${node.label}`, node.detail].filter(Boolean).join(", ");
      const group = node.href ? element("a", { href: node.href }) : element("g", { tabindex: 0, role: "img" });
      group.setAttribute("class", `node node-${node.type}${node.focus ? " node-focus" : ""}`);
      group.setAttribute("transform", `translate(${node.x.toFixed(1)} ${node.y.toFixed(1)})`);
      group.setAttribute("aria-label", name);
      group.append(shape(node));
      if (node.type === "held") {
        const mark = element("text", { class: "held-mark", y: 9, "text-anchor": "middle", "aria-hidden": "true" });
        mark.textContent = "!";
        group.append(mark);
      }
      const label = element("text", { class: "node-label", y: (node.focus ? 18 : 13) + 16, "text-anchor": "middle",
                                      "aria-hidden": "true" });
      label.textContent = short(node.label);
      group.append(label);
      node.group = group;
      group.addEventListener("focus", () => show(node));
      group.addEventListener("mouseenter", () => show(node));
      svg.append(group);
    }
    canvas.append(svg);
    canvas.closest("figure").hidden = false;
  }

  draw();
})();
