// Mounts Mercado Pago's Payment Brick with the order's data and forwards its submit,
// unchanged, to our server. The server checks everything; this script only carries it.
(function () {
  "use strict";
  var root = document.getElementById("checkout");
  if (!root) return;
  var data = root.dataset;
  var message = document.getElementById("checkout-message");
  var loading = document.getElementById("brick-loading");

  function say(text) {
    message.textContent = text || "";
  }

  var initialization = { amount: Number(data.amount) };
  if (data.email) initialization.payer = { email: data.email };
  if (data.preferenceId) initialization.preferenceId = data.preferenceId;

  var settings = {
    initialization: initialization,
    customization: { paymentMethods: JSON.parse(data.paymentMethods) },
    callbacks: {
      onReady: function () {
        if (loading) loading.hidden = true;
      },
      onError: function (error) {
        // Non-critical errors are the Brick's own field messages; it shows them itself.
        if (error && error.type === "critical") say(data.networkError);
      },
      onSubmit: function (submission) {
        say("");
        // Wallet and credits are paid at Mercado Pago with the preference; nothing to post.
        var method = submission && submission.selectedPaymentMethod;
        if (method === "wallet_purchase" || method === "onboarding_credits") return Promise.resolve();
        var headers = { "Content-Type": "application/json", "X-CSRF-Token": data.csrf };
        // MercadoPago.js's device fingerprint, for Mercado Pago's fraud scoring.
        if (typeof window.MP_DEVICE_SESSION_ID === "string" && window.MP_DEVICE_SESSION_ID) {
          headers["X-Device-Id"] = window.MP_DEVICE_SESSION_ID;
        }
        return fetch(data.processUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: headers,
          body: JSON.stringify(submission),
        })
          .then(function (response) {
            return response
              .json()
              .catch(function () { return {}; })
              .then(function (body) { return { ok: response.ok, body: body }; });
          })
          .then(function (answer) {
            if (answer.ok) {
              // Resolving tells the Brick the payment was taken; the result page tells the rest.
              window.location.assign(answer.body.redirect_url);
              return;
            }
            say(answer.body.message || data.networkError);
            if (answer.body.redirect_url) {
              window.setTimeout(function () { window.location.assign(answer.body.redirect_url); }, 4000);
            }
            throw new Error(answer.body.error || "payment_failed");
          }, function (networkFailure) {
            say(data.networkError);
            throw networkFailure;
          });
      },
    },
  };

  var mp = new MercadoPago(data.publicKey, { locale: data.locale });
  mp.bricks()
    .create("payment", "paymentBrick_container", settings)
    .then(function (controller) { window.paymentBrickController = controller; })
    .catch(function () { say(data.networkError); });
})();
