// WildNet console: progressive enhancement only; every flow works without this file.
"use strict";

// A button with data-confirm asks before submitting its form (revocations, refusals).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
