/* Map styling functions for dash-leaflet (referenced as {"variable": "pantau.map.*"}).
   Status is told by colour (Okabe-Ito) AND by letter; age by ring class. */
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

    /* Supercluster map/reduce: every cluster carries its count per status, so its ring
       shows the mix (conic gradient in status colours, clockwise in status order) and its
       letter names the biggest status: colour and label, never colour alone. */
    var ORDER = ["menunggu", "koordinasi", "disposisi", "proses", "selesai"];

    function clusterOptions(radius) {
        return {radius: radius, maxZoom: 16,
                map: function (p) { var o = {}; o[p.s] = 1; return o; },
                reduce: function (acc, p) { ORDER.forEach(function (k) { acc[k] = (acc[k] || 0) + (p[k] || 0); }); }};
    }

    function mix(props) {
        var total = 0, top = null, stops = [], at = 0;
        ORDER.forEach(function (k) { total += props[k] || 0; if (!top || (props[k] || 0) > (props[top] || 0)) { top = k; } });
        if (!total) { return null; }
        ORDER.forEach(function (k) {
            var n = props[k] || 0;
            if (!n) { return; }
            var end = at + 100 * n / total;
            stops.push("var(--c-" + k + ") " + at.toFixed(1) + "% " + end.toFixed(1) + "%");
            at = end;
        });
        return {top: top, ring: "conic-gradient(" + stops.join(",") + ")"};
    }

    function clusterToLayer(feature, latlng, index, context) {
        var props = feature.properties, n = props.point_count;
        var size = n < 100 ? "s" : (n < 1000 ? "m" : "l");
        var text = n < 1000 ? String(n) : (Math.round(n / 100) / 10) + "k";
        var m = mix(props), cls = "cluster cluster--" + size, html = "<span>" + text + "</span>";
        if (m) {
            cls += " cluster--mix cluster--top-" + m.top;
            html = '<span class="cluster__ring" style="background:' + m.ring + '"></span>' +
                   '<span class="cluster__body"><b class="cluster__letter">' + LETTER[m.top] + "</b>" + text + "</span>";
        }
        var icon = L.divIcon({html: html, className: cls, iconSize: null});
        return L.marker(latlng, {icon: icon, keyboard: false});
    }

    function areaStyle(feature, context) {
        var h = window.pantau.map.areas || (context || {}).hideout || {};
        if (h.version !== undefined) { window.pantau.map.areasPainted = h.version; }
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
        });
    }

    return {trackView: trackView, pointToLayer: pointToLayer, clusterToLayer: clusterToLayer, clusterOptions: clusterOptions,
            areaStyle: areaStyle, kotaStyle: kotaStyle};
})();
