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

// A form with data-upload-progress="<row id>" sends its file with a progress bar; the answer replaces the page's
// main content (errors beside the fields) or, after a redirect, the browser goes where the server sent it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const rowId = form.dataset && form.dataset.uploadProgress;
  if (!rowId || event.defaultPrevented || !window.FormData) {
    return;
  }
  event.preventDefault();
  const row = document.getElementById(rowId);
  const bar = row.querySelector("progress");
  row.hidden = false;
  const request = new XMLHttpRequest();
  request.open(form.method, form.action || window.location.href);
  request.upload.addEventListener("progress", (progress) => {
    if (progress.lengthComputable) {
      bar.value = Math.round((progress.loaded / progress.total) * 100);
    }
  });
  request.addEventListener("load", () => {
    const page = new URL(window.location.href);
    const landed = new URL(request.responseURL);
    if (request.status < 400 && landed.pathname !== page.pathname) {
      window.location.assign(request.responseURL);
      return;
    }
    const answer = new DOMParser().parseFromString(request.responseText, "text/html");
    const main = answer.querySelector("main");
    if (main) {
      document.querySelector("main").replaceWith(main);
      main.focus();
    }
  });
  request.addEventListener("error", () => form.submit());
  request.send(new FormData(form));
});
