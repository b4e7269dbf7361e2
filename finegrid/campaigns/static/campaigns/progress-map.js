/* The live map of a campaign: micro-grids drawn once from data-shapes, then coloured by
 * their state from data-states, fetched again every data-every milliseconds (polling:
 * see the README for why not server-sent events). No reload, no redraw of the shapes. */
(function () {
  "use strict";

  function colour(state) {
    if (!state) return "#999";
    if (state.finished) return "#2e7d32";
    if (!state.worker) return "#000";
    if (state.late) return "#d7301f";
    if (state.visits > 0) return "#74c476";
    return "#999";
  }

  function start(element) {
    const map = L.map(element, { preferCanvas: true });
    const layers = {};
    fetch(element.dataset.shapes, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((collection) => {
        const group = L.geoJSON(collection, {
          style: () => ({ color: "#555", weight: 1, fillOpacity: 0.6, fillColor: "#999" }),
          onEachFeature: (feature, layer) => { layers[feature.properties.code] = layer; },
        }).addTo(map);
        if (collection.features.length) map.fitBounds(group.getBounds());
        else map.setView([30.57, 104.06], 12);
        refresh();
      });

    function refresh() {
      fetch(element.dataset.states, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : []))
        .then((states) => {
          for (const state of states) {
            const layer = layers[state.grid];
            if (!layer) continue;
            layer.setStyle({ fillColor: colour(state) });
            layer.bindTooltip(`${state.grid} ${state.name}: ${state.reached}/${state.households}`);
          }
          element.dataset.refreshed = String(Date.now());
          element.dataset.reached = String(states.reduce((sum, s) => sum + s.reached, 0));
        })
        .catch(() => {});
    }
    setInterval(refresh, Number(element.dataset.every || 10000));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById("campaign-map");
    if (element && window.L) start(element);
  });
})();
