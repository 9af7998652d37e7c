// The result page of an undecided payment updates itself: it asks our server (never Mercado
// Pago) where the order stands and reloads when that changes. Also: Pix copy button, countdown.
(function () {
  "use strict";
  var status = document.getElementById("payment-status");
  if (status && status.dataset.poll) {
    var initial = status.dataset.orderStatus;
    var poll = function () {
      fetch(status.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (now) {
          if (now && now.order_status !== initial) window.location.reload();
          else window.setTimeout(poll, 3000);
        }, function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 3000);
  }

  // A 3-D Secure challenge opens by itself in its frame, unless the Status Screen Brick
  // shows it (status-screen.js opens ours only if the Brick fails).
  var challenge = document.getElementById("challenge-form");
  if (challenge && !document.querySelector("#statusScreenBrick_container[data-creq]")) {
    document.getElementById("challenge-start").hidden = true;
    challenge.submit();
  }

  var copy = document.getElementById("copy-pix");
  if (copy) {
    copy.addEventListener("click", function () {
      var code = document.getElementById("pix-code");
      var done = function () { document.getElementById("copy-status").textContent = copy.dataset.copied; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(code.value).then(done, function () { code.select(); document.execCommand("copy"); done(); });
      } else {
        code.select();
        document.execCommand("copy");
        done();
      }
    });
  }

  var left = document.getElementById("time-left");
  if (left && left.dataset.expires) {
    var until = Date.parse(left.dataset.expires);
    var tick = function () {
      var s = Math.max(0, Math.floor((until - Date.now()) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      left.textContent = (h ? h + "h " : "") + m + "min " + (sec < 10 ? "0" : "") + sec + "s";
      if (s > 0) window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
