// The cyber alert's "Print" button: shown only when this script runs (the page prints from the browser's menu
// without it), it opens the browser's print dialog; @media print in trends.css lays the page out on paper.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
