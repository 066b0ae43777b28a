(function () {
  "use strict";
  Array.prototype.slice.call(document.querySelectorAll(".doc[data-title]")).forEach(function (a) {
    var ms = Number(a.getAttribute("data-duration-ms")) || 0;
    var key = "audiostudy:pos:" + a.getAttribute("data-title") + "|" + ms;
    var pos = 0;
    try { pos = Number(window.localStorage.getItem(key)) || 0; } catch (e) { pos = 0; }
    if (!(pos > 0) || !ms) return;
    var pct = Math.max(0, Math.min(100, (pos * 1000 / ms) * 100));
    var fill = a.querySelector(".progress > span");
    if (fill) fill.style.width = pct.toFixed(1) + "%";
    var info = a.querySelector(".listened");
    if (info) info.textContent = " · 已听 " + Math.round(pct) + "%";
  });
})();
