/* The wall's client side. Clientside callbacks (window.dash_clientside.pantau) rotate the
   agency focus and report the viewport height, so neither costs a server request.
   Plain watchers (no Dash needed, so they keep working when the server is gone):
   the WIB clock, the "connection lost since HH:MM" banner, and the reload-on-new-build. */
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.pantau = {
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

(function () {
    function root() { return document.getElementById("wall-root"); }
    function zone() { var r = root(); return (r && r.getAttribute("data-tz")) || "Asia/Jakarta"; }
    function pollMs() { var r = root(); return parseInt((r && r.getAttribute("data-poll-ms")) || "15000", 10); }
    function hhmm(date, seconds) {
        var opts = {timeZone: zone(), hour: "2-digit", minute: "2-digit", hour12: false};
        if (seconds) { opts.second = "2-digit"; }
        return new Intl.DateTimeFormat("en-GB", opts).format(date);
    }
    function suffix() { return zone() === "Asia/Jakarta" ? " WIB" : ""; }

    function tickClock() {
        var el = document.getElementById("wall-clock");
        if (el) { el.textContent = hhmm(new Date(), true) + suffix(); }
    }

    var downSince = null;
    function markDown() {
        if (!root()) { return; }
        if (downSince === null) { downSince = new Date(); }
        var el = document.getElementById("wall-offline");
        if (el) {
            el.textContent = (el.getAttribute("data-text") || "offline") + " " + hhmm(downSince, false) + suffix();
            el.classList.remove("is-hidden");
        }
        document.documentElement.classList.add("is-offline");
    }
    function markUp() {
        downSince = null;
        var el = document.getElementById("wall-offline");
        if (el) { el.classList.add("is-hidden"); }
        document.documentElement.classList.remove("is-offline");
    }

    function withTimeout(url, ms) {
        var ctrl = new AbortController();
        var timer = setTimeout(function () { ctrl.abort(); }, ms);
        return window.fetch(url, {cache: "no-store", signal: ctrl.signal})
            .finally(function () { clearTimeout(timer); });
    }

    var buildId = null;
    function checkBuild() {
        return withTimeout("/build-id", 5000).then(function (r) { return r.ok ? r.text() : null; })
            .then(function (id) {
                if (!id) { return; }
                if (buildId === null) { buildId = id; return; }
                if (id !== buildId && sessionStorage.getItem("pantau-reloaded-for") !== id) {
                    sessionStorage.setItem("pantau-reloaded-for", id);
                    window.location.reload();
                }
            }).catch(function () {});
    }

    function checkHealth() {
        if (!root()) { return; }
        withTimeout("/health", Math.min(5000, pollMs()))
            .then(function (r) { if (r.ok) { markUp(); checkBuild(); } else { markDown(); } })
            .catch(markDown);
    }

    /* Watch Dash's own requests too: a failed update means the server is unreachable. */
    var plainFetch = window.fetch.bind(window);
    window.fetch = function (input, init) {
        var url = typeof input === "string" ? input : (input && input.url) || "";
        var p = plainFetch(input, init);
        if (url.indexOf("_dash-update-component") !== -1) {
            p.then(function (r) { if (r.status < 500) { markUp(); } }, markDown);
        }
        return p;
    };

    function loop() {
        checkHealth();
        setTimeout(loop, pollMs());
    }
    setInterval(tickClock, 1000);
    setTimeout(loop, 500);
})();
