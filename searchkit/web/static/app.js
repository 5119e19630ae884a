// searchkit serve: progressive enhancement only. Without this file every control still works
// (forms submit, timeline bars are links); with it, a change submits at once and a drag across
// the timeline sets a date range.
"use strict";
(function () {
  const form = document.getElementById("search");
  if (form) {
    for (const el of form.querySelectorAll(".autosubmit")) {
      el.addEventListener("change", () => form.submit());
    }
  }
  document.addEventListener("keydown", (event) => {
    const q = document.getElementById("q");
    if (event.key === "/" && q && document.activeElement !== q && !/INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName)) {
      event.preventDefault();
      q.focus();
    }
  });
  const svg = document.getElementById("tl-svg");
  if (!svg) return;
  const bars = Array.from(svg.querySelectorAll(".bar"));
  const sel = document.getElementById("tl-sel");
  let start = null;
  let end = null;
  const indexAt = (event) => {
    const box = svg.getBoundingClientRect();
    const i = Math.floor(((event.clientX - box.left) / box.width) * bars.length);
    return Math.max(0, Math.min(bars.length - 1, i));
  };
  const draw = () => {
    const lo = Math.min(start, end);
    const hi = Math.max(start, end);
    const width = 100 / bars.length;
    sel.setAttribute("x", `${lo * width}%`);
    sel.setAttribute("width", `${(hi - lo + 1) * width}%`);
  };
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    start = end = indexAt(event);
    svg.setPointerCapture(event.pointerId);
    draw();
    event.preventDefault();
  });
  svg.addEventListener("pointermove", (event) => {
    if (start === null) return;
    const i = indexAt(event);
    if (i !== end) { end = i; draw(); }
  });
  svg.addEventListener("pointerup", () => {
    if (start === null) return;
    const lo = Math.min(start, end);
    const hi = Math.max(start, end);
    start = null;
    const url = new URL(window.location.href);
    url.searchParams.set("from", bars[lo].dataset.period);
    url.searchParams.set("to", bars[hi].dataset.period);
    url.searchParams.delete("page");
    window.location.assign(url.toString());
  });
  // A click (no drag) is handled by pointerup above; the link's own navigation is kept for the keyboard.
  svg.addEventListener("click", (event) => { if (event.detail > 0) event.preventDefault(); });
})();
