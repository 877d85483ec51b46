/* Visitor tour: shows one scene at a time, entirely in the browser (no server request per
 * scene). Rotates every data-seconds; pause/play; arrow keys, space, swipe or tap step it.
 * State lives on the root element as data-scene / data-paused, which the CSS reads. */
(function () {
    "use strict";
    var shownAt = Date.now();
    var lastRoot = null;

    function root() { return document.querySelector(".view-visitor"); }
    function count(r) { return r.querySelectorAll(".visitor-scene").length || 1; }

    function show(r, index) {
        var n = count(r);
        var i = ((index % n) + n) % n;
        r.setAttribute("data-scene", String(i));
        r.querySelectorAll(".visitor-dot").forEach(function (dot, k) {
            dot.setAttribute("aria-current", k === i ? "step" : "false");
        });
        shownAt = Date.now();
    }

    function step(delta) {
        var r = root();
        if (r) { show(r, Number(r.getAttribute("data-scene") || 0) + delta); }
    }

    function setPaused(r, paused) {
        r.setAttribute("data-paused", paused ? "true" : "false");
        var btn = r.querySelector(".visitor-btn--pause");
        if (btn) {
            btn.textContent = btn.getAttribute(paused ? "data-label-play" : "data-label-pause");
            btn.setAttribute("aria-pressed", paused ? "true" : "false");
        }
        shownAt = Date.now();
    }

    function togglePause() {
        var r = root();
        if (r) { setPaused(r, r.getAttribute("data-paused") !== "true"); }
    }

    function tick() {
        var r = root();
        if (!r) { lastRoot = null; return; }
        if (r !== lastRoot) { lastRoot = r; show(r, 0); return; }
        var seconds = Number(r.getAttribute("data-seconds") || 12);
        if (r.getAttribute("data-paused") !== "true" && Date.now() - shownAt >= seconds * 1000) {
            step(1);
        }
    }

    document.addEventListener("click", function (ev) {
        var btn = ev.target.closest && ev.target.closest(".view-visitor [data-action]");
        if (btn) {
            var action = btn.getAttribute("data-action");
            if (action === "next") { step(1); }
            else if (action === "prev") { step(-1); }
            else if (action === "pause") { togglePause(); }
            else if (action === "goto") { show(root(), Number(btn.getAttribute("data-index"))); }
            return;
        }
        var stage = ev.target.closest && ev.target.closest(".visitor-stage");
        if (stage && !ev.target.closest(".leaflet-container")) { step(1); }  // tap to step
    });

    document.addEventListener("keydown", function (ev) {
        if (!root()) { return; }
        if (ev.key === "ArrowRight" || ev.key === "PageDown") { step(1); ev.preventDefault(); }
        else if (ev.key === "ArrowLeft" || ev.key === "PageUp") { step(-1); ev.preventDefault(); }
        else if (ev.key === " " || ev.key === "p") { togglePause(); ev.preventDefault(); }
    });

    var touchX = null;
    document.addEventListener("touchstart", function (ev) {
        touchX = ev.target.closest(".visitor-stage") ? ev.touches[0].clientX : null;
    }, {passive: true});
    document.addEventListener("touchend", function (ev) {
        if (touchX === null) { return; }
        var dx = ev.changedTouches[0].clientX - touchX;
        touchX = null;
        if (Math.abs(dx) > 40) { step(dx < 0 ? 1 : -1); }
    }, {passive: true});

    window.setInterval(tick, 250);
    window.pantauVisitor = {step: step, togglePause: togglePause};
})();
