/* The wall's client side. Clientside callbacks (window.dash_clientside.pantau) rotate the
   agency focus and report the viewport height, so neither costs a server request, and hand
   each freshness poll's answer to the badge.
   Plain watchers (no Dash needed, so they keep working when the server is gone): the WIB
   clock, the freshness badge and its banners, and the reload-on-new-build.

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
        /* Cluster radius in px grows with the screen, like the cluster icons do (wide enough
           that the ringed icons, up to 2.9 units across, do not overlap). */
        return [{bounds: bounds.map(function (p) { return p.slice(); })},
                window.pantau.map.clusterOptions(Math.round(110 * vh / 1080))];
    },
    focus: function (n, views, query) {
        var nu = window.dash_clientside.no_update;
        if (!views || !views.by) { return [nu, nu, nu, nu, nu, nu, nu, nu, nu, nu, nu]; }
        var code = "";
        if (query.agency) {
            code = views.by[query.agency] ? query.agency : "";
        } else {
            var order = views.order || [""];
            code = order[Math.floor(Date.now() / 1000 / Math.max(1, query.rotate)) % order.length];
        }
        var v = views.by[code] || views.by[""];
        var url = "/wall/points.json?v=" + views.version + (code ? "&agency=" + encodeURIComponent(code) : "");
        document.querySelectorAll("[data-agency]").forEach(function (el) {
            el.classList.toggle("is-focus", el.getAttribute("data-agency") === code);
        });
        /* Area shading: re-sent until the map has painted this version (dash-leaflet drops a
           hideout change that lands while the layer is still loading its url). */
        window.pantau.map.areas = views.areas;  /* read by areaStyle when the layer (re)loads */
        window.pantau.map.flood = views.flood;  /* read by pointToLayer: the url below refetches */
        var painted = window.pantau.map.areasPainted === views.version;
        var areas = painted ? nu : Object.assign({}, views.areas);
        return [v.status, v.backlog].concat(v.kpis).concat(
            ["kpis kpis--" + v.level, code ? (views.names[code] || code) : query.all, url, areas]);
    }
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
