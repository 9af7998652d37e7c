// Mercado Pago's Status Screen Brick on the result page of a card payment: the payment as
// Mercado Pago shows it and, for a 3-D Secure challenge, the bank's page. Our own text above
// stays: it is the page without JavaScript, and what shows if the Brick cannot load.
(function () {
  "use strict";
  var box = document.getElementById("statusScreenBrick_container");
  if (!box) return;
  var own = document.getElementById("challenge-own");
  var form = document.getElementById("challenge-form");
  var openOwnChallenge = function () {
    box.hidden = true;
    if (form) {
      document.getElementById("challenge-start").hidden = true;
      form.submit();
    }
  };
  if (typeof window.MercadoPago !== "function") {
    openOwnChallenge();
    return;
  }
  var init = { paymentId: box.dataset.paymentId };
  if (box.dataset.creq) {
    init.additionalInfo = { externalResourceURL: box.dataset.externalResourceUrl, creq: box.dataset.creq };
    // The Brick shows the challenge: ours would open a second one.
    if (own) own.hidden = true;
  }
  var failed = false;
  var fail = function () {
    if (failed) return;
    failed = true;
    if (own) own.hidden = false;
    openOwnChallenge();
  };
  try {
    var mp = new window.MercadoPago(box.dataset.publicKey, { locale: box.dataset.locale });
    mp.bricks().create("statusScreen", "statusScreenBrick_container", {
      initialization: init,
      callbacks: { onReady: function () {}, onError: fail }
    }).then(null, fail);
  } catch (e) {
    fail();
  }
})();
