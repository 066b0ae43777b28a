(function () {
  "use strict";
  var RATES = [0.75, 1, 1.25, 1.5, 2];
  var manifest = {};
  try {
    manifest = JSON.parse(document.getElementById("manifest").textContent || "{}");
  } catch (e) {
    manifest = {};
  }
  var audio = document.getElementById("audio");
  var bar = document.getElementById("bar");
  var nowEl = document.getElementById("now");
  var title = String(manifest.title || document.title || "");
  var durationMs = Number(manifest.duration_ms || audio.getAttribute("data-duration-ms") || 0);
  var POS_KEY = "audiostudy:pos:" + title + "|" + durationMs;
  var RATE_KEY = "audiostudy:rate";

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* storage may be disabled */ }
  }
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function fmt(sec) {
    sec = Math.max(0, Math.floor(sec));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    var ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + (m < 10 ? "0" : "") + m + ":" + ss : m + ":" + ss;
  }
  function byStart(a, b) { return a.start - b.start; }
  function items(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector)).map(function (el) {
      return { el: el, start: Number(el.getAttribute("data-start-ms")), end: Number(el.getAttribute("data-end-ms")) };
    }).sort(byStart);
  }
  // index of the last item whose start <= ms, or -1
  function lastStarted(list, ms) {
    var lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid].start <= ms) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  var sentences = items(".s[data-start-ms]");
  var sections = items(".chap.sec[data-start-ms]");
  var points = items(".chap.point[data-start-ms]");

  function play() {
    var p = audio.play();
    if (p && typeof p.catch === "function") p.catch(function () { /* needs a user gesture */ });
  }
  var pendingSeek = null;
  function seekMs(ms, andPlay) {
    noticeUntil = 0;
    var t = Math.max(0, ms) / 1000;
    if (audio.readyState < 1) pendingSeek = t; // applied when the metadata arrives (iOS loads late)
    try { audio.currentTime = t; } catch (e) { /* old browsers refuse before metadata */ }
    update(true);
    if (andPlay) play();
  }

  // ---- highlight and follow -------------------------------------------------
  var current = -1, currentSec = null, currentPoint = null;
  var noticeUntil = 0;
  var userScrolledAt = 0;
  ["wheel", "touchmove", "keydown"].forEach(function (type) {
    window.addEventListener(type, function (ev) {
      if (type !== "keydown" || /^(Page|Arrow|Home|End| )/.test(ev.key || "")) userScrolledAt = Date.now();
    }, { passive: true });
  });
  function barHeight() {
    var h = bar ? bar.getBoundingClientRect().height : 0;
    document.documentElement.style.setProperty("--bar-h", Math.round(h) + "px");
    return h;
  }
  function follow(el, force) {
    if (!force && Date.now() - userScrolledAt < 4000) return;
    var r = el.getBoundingClientRect();
    var top = barHeight();
    var vh = window.innerHeight || document.documentElement.clientHeight;
    if (r.top >= top + 8 && r.bottom <= vh - 40) return;
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "center", behavior: reduce || force ? "auto" : "smooth" });
  }
  function mark(list, idx, prev, cls) {
    var el = idx >= 0 ? list[idx].el : null;
    if (el === prev) return prev;
    if (prev) prev.classList.remove(cls);
    if (el) el.classList.add(cls);
    return el;
  }
  function update(jumped) {
    var ms = audio.currentTime * 1000;
    var idx = lastStarted(sentences, ms);
    if (idx !== current) {
      if (current >= 0) {
        sentences[current].el.classList.remove("current");
        sentences[current].el.removeAttribute("aria-current");
      }
      current = idx;
      if (idx >= 0) {
        var el = sentences[idx].el;
        el.classList.add("current");
        el.setAttribute("aria-current", "true");
        if (jumped || !audio.paused) follow(el, !!jumped); // never scroll the page on load alone
      }
    }
    currentSec = mark(sections, lastStarted(sections, ms), currentSec, "active");
    var p = lastStarted(points, ms);
    if (p >= 0 && !(ms < points[p].end)) p = -1;
    currentPoint = mark(points, p, currentPoint, "active");
    if (nowEl) {
      if (Date.now() < noticeUntil) return;
      var label = currentSec ? currentSec.getAttribute("data-title") || "" : "";
      if (currentPoint) label += " · " + (currentPoint.getAttribute("data-title") || "");
      if (nowEl.textContent !== label) nowEl.textContent = label;
    }
  }

  // ---- clicks ---------------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var target = t && t.closest ? t.closest(".chap[data-start-ms], .s[data-start-ms]") : null;
    if (!target) return;
    if (target.classList.contains("s")) {
      var sel = window.getSelection ? String(window.getSelection()) : "";
      if (sel.length > 1) return; // the user is selecting text, not seeking
    }
    ev.preventDefault();
    seekMs(Number(target.getAttribute("data-start-ms")), true);
  });
  function step(delta) {
    if (!sentences.length) return;
    var ms = audio.currentTime * 1000;
    var idx = lastStarted(sentences, ms);
    var target = idx + delta;
    if (delta < 0 && idx >= 0 && ms - sentences[idx].start > 1500) target = idx; // go to start of this one first
    target = Math.max(0, Math.min(sentences.length - 1, target));
    seekMs(sentences[target].start, true);
  }
  var prevBtn = document.getElementById("prev"), nextBtn = document.getElementById("next"),
    againBtn = document.getElementById("again");
  if (prevBtn) prevBtn.addEventListener("click", function () { step(-1); });
  if (nextBtn) nextBtn.addEventListener("click", function () { step(1); });
  if (againBtn) againBtn.addEventListener("click", function () { step(0); });

  // ---- speed ----------------------------------------------------------------
  var rateButtons = Array.prototype.slice.call(document.querySelectorAll(".speed button[data-rate]"));
  function showRate() {
    rateButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", Number(b.getAttribute("data-rate")) === audio.playbackRate ? "true" : "false");
    });
  }
  function setRate(rate) {
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
    showRate();
  }
  rateButtons.forEach(function (b) {
    b.addEventListener("click", function () {
      var rate = Number(b.getAttribute("data-rate"));
      setRate(rate);
      store(RATE_KEY, String(rate));
    });
  });
  audio.addEventListener("ratechange", showRate);
  var savedRate = Number(load(RATE_KEY));
  setRate(RATES.indexOf(savedRate) >= 0 ? savedRate : 1);

  // ---- remember the position ------------------------------------------------
  var restored = false, lastSaved = -1;
  function save(force) {
    if (!restored) return;
    var t = audio.currentTime;
    if (!isFinite(t)) return;
    if (!force && Math.abs(t - lastSaved) < 1) return;
    lastSaved = t;
    store(POS_KEY, t.toFixed(2));
  }
  function restore() {
    if (restored) return;
    restored = true;
    if (pendingSeek !== null) {
      if (Math.abs(audio.currentTime - pendingSeek) > 0.05) audio.currentTime = pendingSeek;
      pendingSeek = null;
      return;
    }
    var saved = Number(load(POS_KEY));
    var dur = isFinite(audio.duration) && audio.duration > 0 ? audio.duration : durationMs / 1000;
    if (saved > 0.5 && (!dur || saved < dur - 1) && audio.currentTime < 0.01) {
      audio.currentTime = saved;
      lastSaved = saved;
      update(true);
      if (nowEl) {
        nowEl.textContent = "已回到上次听到的位置 " + fmt(saved);
        noticeUntil = Date.now() + 5000;
        setTimeout(function () { update(false); }, 5100);
      }
    }
  }
  if (audio.readyState >= 1) restore();
  else audio.addEventListener("loadedmetadata", restore);
  // if the media cannot load at all, still start saving positions chosen by clicks
  audio.addEventListener("error", function () { restored = true; });

  audio.addEventListener("timeupdate", function () { update(false); save(false); });
  audio.addEventListener("seeking", function () { update(true); });
  audio.addEventListener("seeked", function () { update(true); save(true); });
  audio.addEventListener("pause", function () { save(true); });
  audio.addEventListener("ended", function () { store(POS_KEY, "0"); });
  window.addEventListener("pagehide", function () { save(true); });
  document.addEventListener("visibilitychange", function () { if (document.hidden) save(true); });
  window.addEventListener("resize", barHeight);

  // ---- start at a section, point or time given in the address -------------
  // index.html#s=2 (section 2), #s=2.3 (its point 3), #t=123.4 (seconds); ?s= and ?t= work too.
  // `audiostudy play` opens the page like this when no audio player is installed.
  function startFromAddress() {
    var text = [location.hash, location.search].join("&").replace(/[#?]/g, "&");
    var t = /(?:^|&)t=(\d+(?:\.\d+)?)/.exec(text);
    if (t) return Number(t[1]) * 1000;
    var s = /(?:^|&)s=(\d+)(?:\.(\d+))?/.exec(text);
    if (!s) return null;
    var sel = s[2] ? '.chap.point[data-section="' + s[1] + '"][data-point="' + s[2] + '"]'
      : '.chap.sec[data-section="' + s[1] + '"]';
    var el = document.querySelector(sel);
    return el ? Number(el.getAttribute("data-start-ms")) : null;
  }
  function goToAddress() {
    var ms = startFromAddress();
    if (ms !== null) seekMs(ms, true);
  }
  window.addEventListener("hashchange", goToAddress);

  barHeight();
  update(false);
  goToAddress();
})();
