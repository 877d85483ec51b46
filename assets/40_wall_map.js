/* Map styling functions for dash-leaflet (referenced as {"variable": "pantau.map.*"}).
   Status is told by colour (Okabe-Ito) AND by letter; age by a ring.
   pointToLayer / clusterToLayer / areaStyle draw the supervisor's desk map; the wall's
   backlog map has its own (wallPoint, wallCluster, backlogStyle, fit: see below). */
window.pantau = window.pantau || {};
window.pantau.map = (function () {
    var LETTER = {menunggu: "M", koordinasi: "K", disposisi: "D", proses: "P", selesai: "S"};
    var H6 = 6 * 3600, D7 = 7 * 86400;

    function ageClass(props) {
        if (props.s === "selesai") { return "pt--done"; }
        var age = Date.now() / 1000 - (props.t || 0);
        return age < H6 ? "pt--fresh" : (age < D7 ? "pt--late" : "pt--overdue");
    }

    function nearFlood(latlng, flood) {
        for (var i = 0; i < (flood || []).length; i++) {
            var dLat = latlng.lat - flood[i][0], dLon = latlng.lng - flood[i][1];
            if (dLat * dLat + dLon * dLon < 0.0004) { return true; }  /* ~2.2 km */
        }
        return false;
    }

    function pointToLayer(feature, latlng, context) {
        var p = feature.properties || {};
        var cls = "pt pt--" + p.s + " " + ageClass(p);
        if (p.c === "banjir" && nearFlood(latlng, window.pantau.map.flood || ((context || {}).hideout || {}).flood)) { cls += " pt--flood"; }
        var icon = L.divIcon({html: LETTER[p.s] || "?", className: cls, iconSize: null});
        return L.marker(latlng, {icon: icon, keyboard: false});
    }

    function clusterToLayer(feature, latlng) {
        var n = feature.properties.point_count;
        var size = n < 100 ? "s" : (n < 1000 ? "m" : "l");
        var text = n < 1000 ? String(n) : (Math.round(n / 100) / 10) + "k";
        var icon = L.divIcon({html: "<span>" + text + "</span>", className: "cluster cluster--" + size, iconSize: null});
        return L.marker(latlng, {icon: icon, keyboard: false});
    }

    function areaStyle(feature, context) {
        var h = (context || {}).hideout || {};
        var n = (h.backlog || {})[feature.properties.code] || 0;
        var share = Math.min(1, n / Math.max(1, h.max || 1));
        return {color: "#3a4a63", weight: 0.6, fillColor: "#0072B2", fillOpacity: 0.06 + 0.55 * share};
    }

    function kotaStyle() {
        return {color: "#B8C2CF", weight: 2, fill: false, opacity: 0.8};
    }

    /* Keep a handle on the map and mirror its view in data attributes of the container
       (operators' tools and tests read the zoom without reaching into Leaflet). */
    function showView(map) {
        var el = map.getContainer(), c = map.getCenter();
        el.setAttribute("data-zoom", String(map.getZoom()));
        el.setAttribute("data-center", c.lat.toFixed(5) + "," + c.lng.toFixed(5));
    }

    function trackView(feature, layer) {
        layer.once("add", function () {
            var map = layer._map;
            if (!map || window.pantau.map.instance === map) { return; }
            window.pantau.map.instance = map;
            map.on("moveend zoomend", function () { showView(map); });
            showView(map);
            refitOnResize(map);
        });
    }

    /* ---- The wall's backlog map -------------------------------------------------------
       Only open reports are on it (/wall/points.json). Its vocabulary comes from the layout
       (data-map on the map panel, layouts/wall.py): the open statuses in order with their
       letter in the page's language, the 6 h / 7 d targets, the shading bins and colours. */
    var AGES = ["overdue", "late", "fresh"];  /* ring order, clockwise from 12 o'clock */
    var config = null;

    function conf() {
        if (!config) {
            var el = document.getElementById("wall-map-panel");
            config = el ? JSON.parse(el.getAttribute("data-map")) : null;
        }
        return config;
    }

    function ageBand(t) {
        var age = Date.now() / 1000 - (t || 0), targets = conf().targets;
        return age < targets[0] ? "fresh" : (age < targets[1] ? "late" : "overdue");
    }

    /* Supercluster map/reduce: every cluster counts its reports per status and per age band
       (reduce runs for every merge at every zoom: no allocation in it). Above zoom 14 the
       reports show one by one, ringed the same way. */
    function wallClusterOptions(radius) {
        var keys = Object.keys(conf().letters).concat(AGES), t = conf().targets;
        return {radius: radius, extent: 256, maxZoom: 14,
                map: function (p) {
                    var o = {}, age = Date.now() / 1000 - (p.t || 0);
                    o[p.s] = 1;
                    o[age < t[0] ? "fresh" : (age < t[1] ? "late" : "overdue")] = 1;
                    return o;
                },
                reduce: function (acc, p) {
                    for (var i = 0; i < keys.length; i++) { acc[keys[i]] = (acc[keys[i]] || 0) + (p[keys[i]] || 0); }
                }};
    }

    /* The ring: each age band's share of the cluster, overdue first (conic gradient). */
    function ageRing(counts) {
        var total = 0, at = 0, stops = [];
        AGES.forEach(function (k) { total += counts[k] || 0; });
        AGES.forEach(function (k) {
            var n = counts[k] || 0;
            if (!n) { return; }
            var end = at + 100 * n / total;
            stops.push("var(--age-" + k + ") " + at.toFixed(1) + "% " + end.toFixed(1) + "%");
            at = end;
        });
        return "conic-gradient(" + stops.join(",") + ")";
    }

    function dominant(counts) {
        var top = null;
        Object.keys(conf().letters).forEach(function (k) { if (!top || (counts[k] || 0) > (counts[top] || 0)) { top = k; } });
        return top;
    }

    function countText(n) { return n < 1000 ? String(n) : (Math.round(n / 100) / 10) + "k"; }

    function icon(counts, n, flood) {
        var top = dominant(counts), letters = conf().letters;
        var html = '<span class="cluster__ring" style="background:' + ageRing(counts) + '"></span>' +
                   '<span class="cluster__body"><b class="cluster__letter">' + letters[top] + "</b>" +
                   (n > 1 ? '<span class="cluster__count">' + countText(n) + "</span>" : "") + "</span>";
        return L.divIcon({html: html, iconSize: null, className: "cluster cluster--mix cluster--wall cluster--top-" + top +
                          (n > 1 ? "" : " cluster--one") + (flood ? " cluster--flood" : "")});
    }

    /* Every wall marker on the map, so that declutter() sees them all once a repaint is done. */
    var live = [], pending = false;

    function marker(latlng, counts, n, flood) {
        var m = L.marker(latlng, {icon: icon(counts, n, flood), keyboard: false});
        m.wall = {counts: counts, n: n};
        m.on("add", function (e) {
            live.push(m);
            if (!pending) {
                pending = true;
                window.requestAnimationFrame(function () { pending = false; declutter(e.target._map); });
            }
        });
        m.on("remove", function () {
            var i = live.indexOf(m);
            if (i >= 0) { live.splice(i, 1); }
        });
        return m;
    }

    /* Supercluster places a cluster at its reports' mean, so two neighbours can still touch.
       Any two markers that overlap (or nearly) become one: counts added, placed at their
       weighted mean, until none overlaps. No marker hides another; no report is lost. */
    function declutter(map) {
        if (!map) { return; }
        var u = unit(), keys = Object.keys(conf().letters).concat(AGES);
        var items = live.map(function (m) {
            return {m: m, n: m.wall.n, counts: m.wall.counts, p: map.latLngToContainerPoint(m.getLatLng()), merged: false};
        });
        function radius(it) { return (it.n > 1 ? 1.7 : 1.1) * u; }
        for (var again = true; again;) {
            again = false;
            for (var a = 0; a < items.length && !again; a++) {
                for (var b = a + 1; b < items.length && !again; b++) {
                    var A = items[a], B = items[b];
                    if (A.p.distanceTo(B.p) >= radius(A) + radius(B) + 0.15 * u) { continue; }
                    var counts = {};
                    keys.forEach(function (k) { counts[k] = (A.counts[k] || 0) + (B.counts[k] || 0); });
                    A.p = A.p.multiplyBy(A.n).add(B.p.multiplyBy(B.n)).divideBy(A.n + B.n);
                    A.n += B.n;
                    A.counts = counts;
                    A.merged = again = true;
                    map.removeLayer(B.m);
                    items.splice(b, 1);
                }
            }
        }
        items.forEach(function (it) {
            if (!it.merged) { return; }
            it.m.wall = {counts: it.counts, n: it.n};
            it.m.setLatLng(map.containerPointToLatLng(it.p));
            it.m.setIcon(icon(it.counts, it.n, false));
        });
    }

    /* Nothing is drawn before fit() has sized the clusters for this screen (the layout's
       first options know neither the screen nor the per-status counts). */
    function wallCluster(feature, latlng) {
        if (!window.pantau.map.home) { return L.layerGroup(); }
        return marker(latlng, feature.properties, feature.properties.point_count, false);
    }

    function wallPoint(feature, latlng, context) {
        if (!window.pantau.map.home) { return L.layerGroup(); }
        var p = feature.properties || {}, counts = {};
        counts[p.s] = 1;
        counts[ageBand(p.t)] = 1;
        return marker(latlng, counts, 1,
                      p.c === "banjir" && nearFlood(latlng, window.pantau.map.flood || ((context || {}).hideout || {}).flood));
    }

    /* Kelurahan shaded by their open reports, in the legend's bins (absolute, so a growing
       backlog darkens the map). */
    function backlogStyle(feature, context) {
        var h = window.pantau.map.areas || (context || {}).hideout || {}, c = conf();
        if (h.version !== undefined) { window.pantau.map.areasPainted = h.version; }
        var n = (h.backlog || {})[feature.properties.code] || 0, i = 0;
        while (i < c.bins.length && n >= c.bins[i]) { i++; }
        return {color: "#3a4a63", weight: 0.6, fillColor: c.colours[i], fillOpacity: 1};
    }

    /* The wall's view: Jakarta fitted with a margin of half the widest marker, so no marker
       crosses the panel's edge, and a cluster radius wider than a marker, so none hides
       another. Supercluster clusters at the whole zoom below the map's (fractional) zoom, so
       the radius is shrunk by that fraction: on screen it is always RADIUS_U units. Sizes
       follow --u (00_tokens.css: min(100vw / 96, 100vh / 54)). Refitted, and reclustered,
       whenever the map's box changes size (flood mode, a new grid). */
    var PAD_U = 1.8, RADIUS_U = 3.6;

    function unit() { return Math.min(window.innerWidth / 96, window.innerHeight / 54); }

    function clusterOptionsFor(map, home) {
        var frac = 0, pad = home.options.padding;
        if (map && map.getSize().x > 0) {
            var zoom = map.getBoundsZoom(L.latLngBounds(home.bounds), false, L.point(2 * pad[0], 2 * pad[1]));
            frac = zoom - Math.floor(zoom);
        }
        return wallClusterOptions(Math.round(RADIUS_U * unit() / Math.pow(2, frac)));
    }

    function fit(bounds) {
        var pad = Math.ceil(PAD_U * unit());
        var home = {bounds: bounds.map(function (p) { return p.slice(); }), options: {padding: [pad, pad]}};
        window.pantau.map.home = home;
        return [home, clusterOptionsFor(window.pantau.map.instance, home)];
    }

    function refitOnResize(map) {
        var size = null;
        new ResizeObserver(function () {
            var el = map.getContainer(), now = el.clientWidth + "x" + el.clientHeight, home = window.pantau.map.home;
            if (now === size || !home) { return; }
            size = now;
            map.invalidateSize();
            map.fitBounds(home.bounds, home.options);
            window.dash_clientside.set_props("wall-points", {superClusterOptions: clusterOptionsFor(map, home)});
        }).observe(map.getContainer());
    }

    return {trackView: trackView, pointToLayer: pointToLayer, clusterToLayer: clusterToLayer,
            areaStyle: areaStyle, kotaStyle: kotaStyle,
            wallPoint: wallPoint, wallCluster: wallCluster, backlogStyle: backlogStyle, fit: fit};
})();
