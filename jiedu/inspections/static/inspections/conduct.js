// The checklist's answers to a refused save (400: the item's message naming it) are shown in place, like a
// saved item: htmx swaps only 2xx answers by default.
document.body.addEventListener("htmx:beforeSwap", function (e) {
  if (e.detail.xhr.status === 400) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});
