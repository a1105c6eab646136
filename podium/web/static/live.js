// Live pages: listen to /api/stream/leaderboards and refresh <main> when a leaderboard shown
// here is replaced by a newer one. Without JavaScript the page simply stays as rendered.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !window.EventSource || !main.dataset.stream) return;
  var shown = JSON.parse(main.dataset.leaderboards || "{}");
  var status = document.getElementById("live-status");
  var refreshing = false;
  var queued = null; // an event that came during a refresh: refresh again after it

  function refresh(event) {
    if (refreshing) { queued = event; return; }
    refreshing = true;
    fetch(window.location.href, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (!fresh) return;
        main.innerHTML = fresh.innerHTML;
        shown = JSON.parse(fresh.dataset.leaderboards || "{}");
        main.dataset.leaderboards = fresh.dataset.leaderboards || "{}";
        main.dataset.refreshedFor = event.leaderboard_id;
        if (status) status.textContent = "Leaderboard updated at " + new Date(event.created_at).toLocaleTimeString();
      })
      .catch(function () { /* the next event tries again */ })
      .finally(function () {
        refreshing = false;
        if (queued) { var next = queued; queued = null; refresh(next); }
      });
  }

  var source = new EventSource(main.dataset.stream);
  source.addEventListener("leaderboard", function (message) {
    var event = JSON.parse(message.data);
    if (shown[event.competition_id] !== event.leaderboard_id) refresh(event);
  });
  source.addEventListener("challenge", function (message) {
    var event = JSON.parse(message.data);
    var key = "challenge:" + event.challenge_id;
    if (shown[key] !== String(event.revision)) {
      refresh({ leaderboard_id: key + ":" + event.revision, created_at: Date.now() });
    }
  });
  main.dataset.live = "connected";
})();
