/* The wall's client side. Clientside callbacks (window.dash_clientside.pantau) rotate the
   focus zone and report the viewport height, so neither costs a server request, and hand
   each freshness poll's answer to the badge.
   Plain watchers (no Dash needed, so they keep working when the server is gone): the WIB
   clock, the focus zone's draining bar, the freshness badge and its banners, and the
   reload-on-new-build.

   The badge is decided here, from what this browser saw (window.pantau.live.state):
     OFFLINE  a request failed to reach the server, or no freshness poll has succeeded for
              two poll intervals (+ a grace): "connection lost since HH:MM";
     STALE    a wall callback answered 5xx in the last two polls, or the last poll named a
              reason (database unreachable, worker inactive since HH:MM), or the data's age
              (the server's age at the poll + the time since) is past the threshold;
     LIVE     otherwise, and only once a poll has succeeded.
   So a dead or failing server can never leave a green LIVE on screen. */
window.dash_clientside = window.dash_clientside || {};
window.pantau = window.pantau || {};
window.dash_clientside.pantau = {
    /* One freshness poll answered: record it for the badge; show its "data as of". */
    fresh: function (data) {
        if (!data) { return window.dash_clientside.no_update; }
        window.pantau.live.fresh(data);
        return data.as_of || window.dash_clientside.no_update;
    },
    viewport: function (n, current) {
        var h = window.innerHeight;
        return h === current ? window.dash_clientside.no_update : h;
    },
    /* Fit Jakarta once the grid has its final size (and again only if the screen resizes):
       a data refresh never moves the map. */
    fit: function (vh, bounds) {
        var nu = window.dash_clientside.no_update;
        if (!bounds || !vh) { return [nu, nu]; }
        return window.pantau.map.fit(bounds);  /* padding and cluster radius follow the screen */
    },
    /* The focus zone: one agency at a time, every ``query.rotate`` seconds on the clock
       (so every wall shows the same agency), or the ``?agency=`` pin. Runs every second
       from a clientside Interval and sends nothing unless the agency or the data changed.
       The map stays city-wide: its url changes only with the data version. */
    focus: function (n, views, query) {
        var nu = window.dash_clientside.no_update;
        var out = [nu, nu, nu, nu, nu, nu, nu, nu];
        if (!views || !views.by) { return out; }
        var order = views.order || [], rotate = Math.max(1, query.rotate || 20);
        var code = query.agency || (order.length ?
            order[Math.floor(Date.now() / 1000 / rotate) % order.length] : "");
        var seen = window.pantau.focus || {};
        window.pantau.focus = {code: code, version: views.version, rotate: rotate,
                               rotating: !query.agency && order.length > 1};
        if (seen.code !== code || seen.version !== views.version) {
            var v = views.by[code];
            document.querySelectorAll("[data-agency]").forEach(function (el) {
                el.classList.toggle("is-focus", el.getAttribute("data-agency") === code);
            });
            out[0] = v ? v.backlog : {data: [], layout: {}};
            (v ? v.kpis : ["\u2013", "\u2013", "\u2013"]).forEach(function (t, i) { out[1 + i] = t; });
            out[4] = "kpis kpis--" + (v ? v.level : "ok");
            out[5] = views.names[code] || code || "\u2013";
        }
        if (seen.version !== views.version) {
            out[6] = "/wall/points.json?v=" + views.version;
            window.pantau.map.flood = views.flood;  /* read by pointToLayer: the url above refetches */
        }
        /* Area shading: re-sent until the map has painted this version (dash-leaflet drops a
           hideout change that lands while the layer is still loading its url). */
        window.pantau.map.areas = views.areas;  /* read by areaStyle when the layer (re)loads */
        if (window.pantau.map.areasPainted !== views.version) { out[7] = Object.assign({}, views.areas); }
        return out;
    }
};

/* The focus zone's draining bar: full when an agency comes in, empty when the next one is
   due (the same clock arithmetic as the focus callback); hidden when the zone is pinned. */
window.pantau.focusBar = function () {
    var bar = document.getElementById("wall-focus-bar"), f = window.pantau.focus;
    if (!bar || !f) { return; }
    bar.parentNode.classList.toggle("is-pinned", !f.rotating);
    var left = 1 - ((Date.now() / 1000) % f.rotate) / f.rotate;
    var now = parseFloat(bar.style.width) || 0;
    bar.style.transition = left * 100 > now ? "none" : "";  /* refill at once, drain smoothly */
    bar.style.width = (left * 100).toFixed(1) + "%";
};

window.pantau.live = (function () {
    var GRACE_MS = 2000;
    var WORDS = {live: "LIVE", stale: "STALE", offline: "OFFLINE", wait: "\u2026"};
    var started = Date.now();
    var last = null;       /* {data, at}: the last successful freshness poll */
    var downSince = null;  /* a request could not reach the server */
    var errorAt = null;    /* a wall callback answered 5xx */

    function root() { return document.getElementById("wall-root"); }
    function zone() { var r = root(); return (r && r.getAttribute("data-tz")) || "Asia/Jakarta"; }
    function pollMs() { var r = root(); return parseInt((r && r.getAttribute("data-poll-ms")) || "15000", 10); }
    function hhmm(date, seconds) {
        var opts = {timeZone: zone(), hour: "2-digit", minute: "2-digit", hour12: false};
        if (seconds) { opts.second = "2-digit"; }
        return new Intl.DateTimeFormat("en-GB", opts).format(date);
    }
    function suffix() { return zone() === "Asia/Jakarta" ? " WIB" : ""; }

    /* [state, stale banner text] from what was seen until ``now`` (ms). */
    function state(now) {
        var window2 = 2 * pollMs() + GRACE_MS;
        if (downSince !== null || now - (last ? last.at : started) > window2) { return ["offline", ""]; }
        if (!last) { return ["wait", ""]; }
        var badge = document.getElementById("wall-badge");
        if (errorAt !== null && now - errorAt <= window2) {
            var asof = document.getElementById("wall-data-as-of");
            return ["stale", ((badge && badge.getAttribute("data-error")) || "server error") +
                    (asof ? " \u00b7 " + asof.textContent : "")];
        }
        var d = last.data;
        var age = (d.age === null || d.age === undefined) ? null : d.age + (now - last.at) / 1000;
        if (d.reason || age === null || age > d.stale_after) { return ["stale", d.banner]; }
        return ["live", ""];
    }

    function show(id, text) {
        var el = document.getElementById(id);
        if (!el) { return; }
        if (text) { el.textContent = text; }
        el.classList.toggle("is-hidden", !text);
    }

    function paint() {
        var badge = document.getElementById("wall-badge");
        if (!root() || !badge) { return; }
        var now = Date.now(), s = state(now);
        badge.textContent = WORDS[s[0]];
        badge.className = "badge badge--" + s[0];
        var offline = document.getElementById("wall-offline"), lost = "";
        if (s[0] === "offline" && offline) {
            var since = downSince !== null ? downSince : (last ? last.at : started);
            lost = (offline.getAttribute("data-text") || "offline") + " " + hhmm(new Date(since), false) + suffix();
        }
        show("wall-offline", lost);
        show("wall-stale", s[0] === "stale" ? s[1] : "");
        document.documentElement.classList.toggle("is-offline", s[0] === "offline");
    }

    return {
        hhmm: hhmm, suffix: suffix, pollMs: pollMs, root: root, paint: paint,
        fresh: function (data) { last = {data: data, at: Date.now()}; downSince = null; paint(); },
        down: function () { if (downSince === null) { downSince = Date.now(); } paint(); },
        up: function () { downSince = null; paint(); },
        failed: function () { errorAt = Date.now(); paint(); },
        state: function () { return state(Date.now())[0]; }
    };
})();

(function () {
    var live = window.pantau.live;

    function tickClock() {
        var el = document.getElementById("wall-clock");
        if (el) { el.textContent = live.hhmm(new Date(), true) + live.suffix(); }
        live.paint();
        window.pantau.focusBar();
    }

    function withTimeout(url, ms) {
        var ctrl = new AbortController();
        var timer = setTimeout(function () { ctrl.abort(); }, ms);
        return window.fetch(url, {cache: "no-store", signal: ctrl.signal})
            .finally(function () { clearTimeout(timer); });
    }

    /* The build id is a cheap answer that needs no store: it tells "server reachable" from
       "server gone" (the freshness poll tells the rest), and a new build reloads the page. */
    var buildId = null;
    function checkBuild() {
        if (!live.root()) { return; }
        withTimeout("/build-id", Math.min(5000, live.pollMs()))
            .then(function (r) {
                if (!r.ok) { live.down(); return null; }
                live.up();
                return r.text();
            })
            .then(function (id) {
                if (!id) { return; }
                if (buildId === null) { buildId = id; return; }
                if (id !== buildId && sessionStorage.getItem("pantau-reloaded-for") !== id) {
                    sessionStorage.setItem("pantau-reloaded-for", id);
                    window.location.reload();
                }
            }, live.down);
    }

    /* Watch Dash's own requests too: a failed request means the server is unreachable, a
       5xx that a wall callback is failing. */
    var plainFetch = window.fetch.bind(window);
    window.fetch = function (input, init) {
        var url = typeof input === "string" ? input : (input && input.url) || "";
        var p = plainFetch(input, init);
        if (url.indexOf("_dash-update-component") !== -1 && live.root()) {
            p.then(function (r) { if (r.status >= 500) { live.failed(); } else { live.up(); } }, live.down);
        }
        return p;
    };

    function loop() {
        checkBuild();
        setTimeout(loop, live.pollMs());
    }
    setInterval(tickClock, 1000);
    setTimeout(loop, 500);
})();
