// The national report's Print button: the browser's print dialog, which also saves the page as a PDF.
// Without JavaScript the button stays hidden and the browser's own Print menu does the same.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-report");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
