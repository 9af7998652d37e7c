// Stand-in for MercadoPago.js v2's Payment Brick, served by the offline sandbox. It offers the
// same browser surface the checkout uses (new MercadoPago(key, {locale}), bricks().create(
// "payment", id, settings), onReady/onError/onSubmit, controller.unmount()) and produces the
// same formData shapes, tokenizing cards against the sandbox's /v1/card_tokens.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src.replace(/\/js\/v2(\?.*)?$/, "") : "";

  var TEST_NAMES = [
    ["APRO", "approved"], ["OTHE", "declined: general error"], ["CONT", "pending"],
    ["CALL", "declined: call to authorize"], ["FUND", "declined: insufficient funds"],
    ["SECU", "declined: invalid security code"], ["EXPI", "declined: expiry date"],
    ["FORM", "declined: form error"], ["CARD", "declined: card number"],
    ["INST", "declined: invalid installments"], ["DUPL", "declined: duplicate payment"],
    ["LOCK", "declined: card disabled"], ["CTNA", "declined: card type not allowed"],
    ["ATTE", "declined: PIN attempts exceeded"], ["BLAC", "declined: blacklisted"],
    ["UNSU", "declined: not supported"], ["TEST", "approved (amount rules)"],
    ["CHAL", "3-D Secure challenge (declined without 3DS)"]
  ];
  // FACTS §4.3 test cards, per locale: [label, number, payment_method_id, issuer_id].
  var CARDS = {
    "pt-BR": { credit: [["Mastercard", "5031433215406351", "master", "24"], ["Visa", "4235647728025682", "visa", "25"], ["Amex", "375365153556885", "amex", "26"]],
               debit: [["Elo Débito", "5067766783888311", "debelo", "687"]] },
    "es-AR": { credit: [["Mastercard", "5031755734530604", "master", "3"], ["Visa", "4509953566233704", "visa", "1"], ["Amex", "371180303257522", "amex", "310"]],
               debit: [["Mastercard Débito", "5287338310253304", "debmaster", "3"], ["Visa Débito", "4002768694395619", "debvisa", "1"]] },
    "es-MX": { credit: [["Mastercard", "5474925432670366", "master", "157"], ["Visa", "4075595716483764", "visa", "158"]],
               debit: [["Mastercard Débito", "5579053461482647", "debmaster", "157"], ["Visa Débito", "4189141221267633", "debvisa", "158"]] },
    "es-PE": { credit: [["Mastercard", "5031755734530604", "master", "1"], ["Visa", "4009175332806176", "visa", "2"]],
               debit: [["Mastercard Débito", "5178781622202455", "debmaster", "1"]] },
    "es-CO": { credit: [["Mastercard", "5254133674403564", "master", "1"], ["Visa", "4013540682746260", "visa", "2"]],
               debit: [["Visa Débito", "4915112055246507", "debvisa", "2"]] },
    "es-UY": { credit: [["Mastercard", "5031755734530604", "master", "1"], ["Visa", "4509953566233704", "visa", "2"]],
               debit: [["Visa Débito", "4213016314706756", "debvisa", "2"]] },
    "es-CL": { credit: [["Mastercard", "5416752602582580", "master", "1"], ["Visa", "4168818844447115", "visa", "2"]],
               debit: [["Mastercard Débito", "5241019826646950", "debmaster", "1"], ["Visa Débito", "4023653523914373", "debvisa", "2"]] }
  };
  // Document types: those of `GET /v1/identification_types` (methods.rs `document_types`, which
  // a test holds this list to), and a test document of FACTS §4.4 that fits the first type.
  var DOCS = {
    "pt-BR": [["CPF", "CNPJ"], "12345678909"], "es-AR": [["DNI", "CUIT", "CUIL"], "12345678"],
    "es-MX": [[], ""], "es-PE": [["DNI", "C.E", "RUC"], "12345678"],
    "es-CO": [["CC", "CE", "NIT"], "123456789"], "es-UY": [["CI", "otro"], "12345678"],
    "es-CL": [["RUT", "Otro"], "123456789"]
  };
  var ALL = {
    ticket: { "pt-BR": ["bolbradesco", "pec"], "es-AR": ["rapipago", "pagofacil"], "es-MX": ["oxxo", "paycash"], "es-CO": ["efecty"], "es-UY": ["abitab", "redpagos"] },
    bankTransfer: { "pt-BR": ["pix"], "es-CO": ["pse"] },
    atm: { "es-MX": ["bancomer", "banamex"], "es-PE": ["pagoefectivo_atm"] }
  };
  var NAMES = { pix: "Pix", bolbradesco: "Boleto", pec: "Pagamento na lotérica", rapipago: "Rapipago", pagofacil: "Pago Fácil",
    oxxo: "OXXO", paycash: "PayCash", bancomer: "BBVA Bancomer", banamex: "Citibanamex", pagoefectivo_atm: "PagoEfectivo",
    efecty: "Efecty", pse: "PSE", abitab: "Abitab", redpagos: "Redpagos" };
  var WORDS = {
    pt: { title: "Pagamento", credit: "Cartão de crédito", debit: "Cartão de débito", wallet: "Mercado Pago",
      number: "Número do cartão", expiry: "Vencimento (MM/AA)", cvv: "Código de segurança", holder: "Nome do titular (cenário de teste)",
      docType: "Tipo de documento", docNumber: "Número do documento", email: "E-mail", installments: "Parcelas",
      first: "Nome", last: "Sobrenome", zip: "CEP", street: "Rua", streetNumber: "Número", city: "Cidade", state: "Estado", neighborhood: "Bairro",
      pay: "Pagar", paying: "Processando…", done: "Pagamento enviado.", failed: "Não foi possível processar o pagamento. Revise os dados e tente de novo.",
      required: "Preencha este campo.", invalid: "Valor inválido.", method: "Meio de pagamento" },
    es: { title: "Pago", credit: "Tarjeta de crédito", debit: "Tarjeta de débito", wallet: "Mercado Pago",
      number: "Número de tarjeta", expiry: "Vencimiento (MM/AA)", cvv: "Código de seguridad", holder: "Nombre del titular (escenario de prueba)",
      docType: "Tipo de documento", docNumber: "Número de documento", email: "E-mail", installments: "Cuotas",
      first: "Nombre", last: "Apellido", zip: "Código postal", street: "Calle", streetNumber: "Número", city: "Ciudad", state: "Estado", neighborhood: "Barrio",
      pay: "Pagar", paying: "Procesando…", done: "Pago enviado.", failed: "No pudimos procesar el pago. Revisa los datos e inténtalo de nuevo.",
      required: "Completa este campo.", invalid: "Valor inválido.", method: "Medio de pago" },
    en: { title: "Payment", credit: "Credit card", debit: "Debit card", wallet: "Mercado Pago",
      number: "Card number", expiry: "Expiry (MM/YY)", cvv: "Security code", holder: "Cardholder name (test scenario)",
      docType: "Document type", docNumber: "Document number", email: "Email", installments: "Installments",
      first: "First name", last: "Last name", zip: "Postal code", street: "Street", streetNumber: "Number", city: "City", state: "State", neighborhood: "Neighborhood",
      pay: "Pay", paying: "Processing…", done: "Payment sent.", failed: "The payment could not be processed. Check the data and try again.",
      required: "Fill in this field.", invalid: "Invalid value.", method: "Payment method" }
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function field(id, label, input, hint) {
    input.id = id;
    input.name = id;
    var error = el("p", { id: id + "-error", "class": "mp-field-error", "aria-live": "polite" });
    input.setAttribute("aria-describedby", id + "-error");
    var wrapper = el("div", { "class": "mp-field" }, [el("label", { "for": id, text: label }), input, error]);
    if (hint) wrapper.insertBefore(el("p", { "class": "mp-hint", text: hint }), error);
    return wrapper;
  }

  function select(options, value) {
    var s = el("select");
    options.forEach(function (o) {
      var opt = el("option", { value: o[0], text: o[1] });
      if (o[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function MercadoPago(publicKey, options) {
    if (!publicKey) throw new Error("MercadoPago: a public key is required");
    this.publicKey = publicKey;
    this.locale = (options && options.locale) || navigator.language || "en-US";
    // Like MercadoPago.js (advancedFraudPrevention), a device id for the store to forward.
    if (!window.MP_DEVICE_SESSION_ID) {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      window.MP_DEVICE_SESSION_ID = "sandbox-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
  }

  MercadoPago.prototype.bricks = function () {
    var mp = this;
    return {
      create: function (kind, containerId, settings) {
        if (kind === "statusScreen") return statusScreen(mp, containerId, settings || {});
        if (kind !== "payment") return Promise.reject(new Error("the sandbox Brick renders \"payment\" and \"statusScreen\""));
        return new Promise(function (resolve, reject) {
          var container = document.getElementById(containerId);
          if (!container) {
            var err = { type: "critical", message: "container not found", cause: "missing_container" };
            if (settings.callbacks && settings.callbacks.onError) settings.callbacks.onError(err);
            reject(err);
            return;
          }
          resolve(render(mp, container, settings));
        });
      }
    };
  };

  function render(mp, container, settings) {
    var locale = CARDS[mp.locale] ? mp.locale : "pt-BR";
    var lang = mp.locale.indexOf("pt") === 0 ? "pt" : mp.locale.indexOf("es") === 0 ? "es" : "en";
    var w = WORDS[lang];
    var init = settings.initialization || {};
    var pm = (settings.customization && settings.customization.paymentMethods) || {};
    var callbacks = settings.callbacks || {};
    var presetEmail = init.payer && init.payer.email;
    var maxInstallments = pm.maxInstallments || 12;

    var methods = [];
    if (pm.creditCard) methods.push(["credit_card", w.credit]);
    if (pm.debitCard) methods.push(["debit_card", w.debit]);
    ["bankTransfer", "ticket", "atm"].forEach(function (key) {
      var ids = pm[key] === "all" ? (ALL[key][locale] || []) : (pm[key] || []);
      var type = key === "bankTransfer" ? "bank_transfer" : key;
      ids.forEach(function (id) { methods.push([type + ":" + id, NAMES[id] || id]); });
    });
    if (pm.mercadoPago && init.preferenceId) methods.push(["wallet_purchase", w.wallet]);

    var form = el("form", { "class": "mp-brick", novalidate: "novalidate", "aria-labelledby": "mp-brick-title" });
    form.appendChild(el("h3", { id: "mp-brick-title", text: w.title + " (sandbox)" }));
    var choice = el("fieldset", {}, [el("legend", { text: w.method })]);
    methods.forEach(function (m, i) {
      var radio = el("input", { type: "radio", name: "mp-method", id: "mp-method-" + i, value: m[0] });
      if (i === 0) radio.checked = true;
      choice.appendChild(el("div", {}, [radio, el("label", { "for": "mp-method-" + i, text: " " + m[1] })]));
    });
    form.appendChild(choice);
    var fields = el("div", { id: "mp-fields" });
    form.appendChild(fields);
    var status = el("p", { id: "mp-status", role: "status", "aria-live": "polite" });
    var button = el("button", { type: "submit", id: "mp-pay", text: w.pay });
    form.appendChild(button);
    form.appendChild(status);
    container.innerHTML = "";
    container.appendChild(form);

    var docs = DOCS[locale] || [[], ""];
    var inputs = {};
    function current() {
      var checked = form.querySelector("input[name=mp-method]:checked");
      return checked ? checked.value : "";
    }
    function add(id, label, input, hint) { inputs[id] = input; fields.appendChild(field(id, label, input, hint)); }
    function payerFields(withAddress) {
      if (!presetEmail) add("mp-email", w.email, el("input", { type: "email", autocomplete: "email", required: "required" }));
      add("mp-first-name", w.first, el("input", { autocomplete: "given-name", value: "Test" }));
      add("mp-last-name", w.last, el("input", { autocomplete: "family-name", value: "User" }));
      if (docs[0].length) {
        add("mp-doc-type", w.docType, select(docs[0].map(function (d) { return [d, d]; }), docs[0][0]));
        add("mp-doc-number", w.docNumber, el("input", { inputmode: "numeric", value: docs[1] }));
      }
      if (withAddress) {
        add("mp-zip", w.zip, el("input", { value: "06233200" }));
        add("mp-street", w.street, el("input", { value: "Av. das Nações Unidas" }));
        add("mp-street-number", w.streetNumber, el("input", { value: "3003" }));
        add("mp-neighborhood", w.neighborhood, el("input", { value: "Bonfim" }));
        add("mp-city", w.city, el("input", { value: "Osasco" }));
        add("mp-state", w.state, el("input", { value: "SP" }));
      }
    }
    function build() {
      fields.innerHTML = "";
      inputs = {};
      var method = current();
      if (method === "credit_card" || method === "debit_card") {
        var cards = CARDS[locale][method === "credit_card" ? "credit" : "debit"];
        add("mp-card", w.number, select(cards.map(function (c, i) { return [String(i), c[0] + " " + c[1]]; }), "0"));
        add("mp-expiry", w.expiry, el("input", { value: "11/30", inputmode: "numeric", autocomplete: "cc-exp" }));
        add("mp-cvv", w.cvv, el("input", { value: cards[0][2] === "amex" ? "1234" : "123", inputmode: "numeric", autocomplete: "cc-csc" }));
        add("mp-cardholder", w.holder, select(TEST_NAMES.map(function (n) { return [n[0], n[0] + " — " + n[1]]; }), "APRO"));
        if (docs[0].length) {
          add("mp-doc-type", w.docType, select(docs[0].map(function (d) { return [d, d]; }), docs[0][0]));
          add("mp-doc-number", w.docNumber, el("input", { inputmode: "numeric", value: docs[1] }));
        }
        if (!presetEmail) add("mp-email", w.email, el("input", { type: "email", autocomplete: "email", required: "required" }));
        var opts = [];
        for (var n = 1; n <= maxInstallments; n++) opts.push([String(n), n + "x"]);
        add("mp-installments", w.installments, select(opts, "1"));
      } else if (method.indexOf("ticket:") === 0 || method.indexOf("atm:") === 0) {
        payerFields(method === "ticket:bolbradesco");
      } else if (method.indexOf("bank_transfer:") === 0) {
        if (!presetEmail) add("mp-email", w.email, el("input", { type: "email", autocomplete: "email", required: "required" }));
        if (method === "bank_transfer:pse") payerFields(false);
      }
    }
    choice.addEventListener("change", build);
    build();

    function value(id) { return inputs[id] ? inputs[id].value.trim() : ""; }
    function fail(id, message) {
      var input = inputs[id];
      input.setAttribute("aria-invalid", "true");
      document.getElementById(id + "-error").textContent = message;
      return false;
    }
    function validate() {
      var ok = true;
      Object.keys(inputs).forEach(function (id) {
        inputs[id].removeAttribute("aria-invalid");
        document.getElementById(id + "-error").textContent = "";
        if (inputs[id].tagName === "INPUT" && !value(id)) ok = fail(id, w.required) && ok;
      });
      if (inputs["mp-expiry"] && !/^(0[1-9]|1[0-2])\/\d{2}$/.test(value("mp-expiry"))) ok = fail("mp-expiry", w.invalid) && ok;
      if (inputs["mp-cvv"] && !/^\d{3,4}$/.test(value("mp-cvv"))) ok = fail("mp-cvv", w.invalid) && ok;
      if (inputs["mp-email"] && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value("mp-email"))) ok = fail("mp-email", w.invalid) && ok;
      if (!ok) {
        var first = form.querySelector("[aria-invalid=true]");
        if (first) first.focus();
      }
      return ok;
    }
    function email() { return presetEmail || value("mp-email"); }
    function identification() {
      return docs[0].length ? { type: value("mp-doc-type"), number: value("mp-doc-number") } : undefined;
    }

    function tokenize(card) {
      var expiry = value("mp-expiry").split("/");
      return fetch(base + "/v1/card_tokens?public_key=" + encodeURIComponent(mp.publicKey), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          card_number: card[1], expiration_month: Number(expiry[0]), expiration_year: 2000 + Number(expiry[1]),
          security_code: value("mp-cvv"),
          cardholder: { name: value("mp-cardholder"), identification: identification() || {} }
        })
      }).then(function (r) {
        if (!r.ok) throw new Error("card token refused");
        return r.json();
      });
    }

    function submission() {
      var method = current();
      var amount = init.amount;
      if (method === "credit_card" || method === "debit_card") {
        var cards = CARDS[locale][method === "credit_card" ? "credit" : "debit"];
        var card = cards[Number(value("mp-card"))];
        return tokenize(card).then(function (token) {
          var payer = { email: email() };
          var id = identification();
          if (id) payer.identification = id;
          return { selectedPaymentMethod: method, formData: {
            token: token.id, issuer_id: card[3], payment_method_id: card[2], transaction_amount: amount,
            installments: Number(value("mp-installments")), payment_method_option_id: null, processing_mode: null, payer: payer } };
        });
      }
      if (method === "wallet_purchase") {
        return Promise.resolve({ selectedPaymentMethod: "wallet_purchase", formData: null });
      }
      var parts = method.split(":");
      var data = { payment_method_id: parts[1], transaction_amount: amount, payer: { email: email() } };
      if (inputs["mp-first-name"]) {
        data.payer.first_name = value("mp-first-name");
        data.payer.last_name = value("mp-last-name");
        var doc = identification();
        if (doc) data.payer.identification = doc;
      }
      if (inputs["mp-zip"]) {
        data.payer.address = { zip_code: value("mp-zip"), street_name: value("mp-street"), street_number: value("mp-street-number"),
          neighborhood: value("mp-neighborhood"), city: value("mp-city"), federal_unit: value("mp-state") };
      }
      if (parts[0] === "ticket" && locale === "es-MX") data.metadata = { payment_point: parts[1] };
      if (parts[1] === "pse") data.transaction_details = { financial_institution: "1009" };
      return Promise.resolve({ selectedPaymentMethod: parts[0], formData: data });
    }

    var submitted = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submitted || !validate()) return;
      button.disabled = true;
      button.textContent = w.paying;
      status.textContent = "";
      var wallet = current() === "wallet_purchase";
      submission()
        .then(function (payload) {
          if (!callbacks.onSubmit) return;
          return callbacks.onSubmit(payload);
        })
        .then(function () {
          // After resolve the real Brick takes no more payments.
          submitted = true;
          status.textContent = w.done;
          button.textContent = w.done;
          if (wallet) window.location.assign(base + "/sandbox/checkout?pref_id=" + encodeURIComponent(init.preferenceId));
        }, function () {
          button.disabled = false;
          button.textContent = w.pay;
          status.textContent = w.failed;
          if (inputs["mp-cardholder"]) inputs["mp-cardholder"].focus();
        });
    });

    if (callbacks.onReady) setTimeout(callbacks.onReady, 0);
    var controller = {
      unmount: function () { container.innerHTML = ""; },
      getFormData: function () { return submission(); },
      getAdditionalData: function () { return Promise.resolve(null); },
      update: function (data) { if (data && typeof data.amount === "number") { init.amount = data.amount; return true; } return false; }
    };
    return controller;
  }

  // Stand-in Status Screen Brick: bricks().create("statusScreen", id, {initialization: {paymentId,
  // additionalInfo?: {externalResourceURL, creq}}, callbacks}). Like the real one it reads the
  // payment from Mercado Pago with the public key (here the sandbox's status_screen route), shows
  // its status, and renders a 3-D Secure challenge in an iframe when additionalInfo is given.
  var STATUS_WORDS = {
    pt: { approved: "Pagamento aprovado", rejected: "Pagamento recusado", pending: "Pagamento pendente", in_process: "Pagamento em análise",
      cancelled: "Pagamento cancelado", challenge: "Confirme o pagamento com seu banco", other: "Situação do pagamento", amount: "Valor", payment: "Pagamento", method: "Meio" },
    es: { approved: "Pago aprobado", rejected: "Pago rechazado", pending: "Pago pendiente", in_process: "Pago en revisión",
      cancelled: "Pago cancelado", challenge: "Confirma el pago con tu banco", other: "Estado del pago", amount: "Monto", payment: "Pago", method: "Medio" },
    en: { approved: "Payment approved", rejected: "Payment declined", pending: "Payment pending", in_process: "Payment under review",
      cancelled: "Payment cancelled", challenge: "Confirm the payment with your bank", other: "Payment status", amount: "Amount", payment: "Payment", method: "Method" }
  };

  function money(amount, currency, locale) {
    try { return new Intl.NumberFormat(locale, { style: "currency", currency: currency }).format(Number(amount)); }
    catch (e) { return String(amount) + " " + currency; }
  }

  function statusScreen(mp, containerId, settings) {
    var init = settings.initialization || {};
    var callbacks = settings.callbacks || {};
    var lang = mp.locale.indexOf("pt") === 0 ? "pt" : mp.locale.indexOf("es") === 0 ? "es" : "en";
    var w = STATUS_WORDS[lang];
    var container = document.getElementById(containerId);
    var fail = function (message, cause) {
      var err = { type: "critical", message: message, cause: cause };
      if (callbacks.onError) callbacks.onError(err);
      return Promise.reject(err);
    };
    if (!container) return fail("container not found", "missing_container");
    if (!init.paymentId) return fail("initialization.paymentId is required", "missing_payment_id");
    var url = base + "/sandbox/status_screen/" + encodeURIComponent(init.paymentId) + "?public_key=" + encodeURIComponent(mp.publicKey);
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("payment not found")); })
      .then(function (p) {
        container.innerHTML = "";
        var challenge = init.additionalInfo && init.additionalInfo.externalResourceURL && init.additionalInfo.creq
          && p.status === "pending" && p.status_detail === "pending_challenge";
        var title = challenge ? w.challenge : (w[p.status] || w.other);
        var box = el("div", { "class": "mp-status-screen", "data-status": p.status, "data-status-detail": p.status_detail, role: "region", "aria-label": w.payment }, [
          el("p", { "class": "mp-status-title", text: title }),
          el("dl", {}, [
            el("dt", { text: w.payment }), el("dd", { "class": "mp-status-id", text: "#" + p.id }),
            el("dt", { text: w.amount }), el("dd", { text: money(p.transaction_amount, p.currency_id, mp.locale) }),
            el("dt", { text: w.method }), el("dd", { text: p.payment_method_id + (p.last_four_digits ? " •••• " + p.last_four_digits : "") })
          ])
        ]);
        container.appendChild(box);
        if (challenge) {
          var frameName = containerId + "-challenge";
          var frame = el("iframe", { name: frameName, id: frameName, title: w.challenge, width: "600", height: "500", "class": "mp-challenge-frame" });
          var form = el("form", { method: "post", action: init.additionalInfo.externalResourceURL, target: frameName }, [
            el("input", { type: "hidden", name: "creq", value: init.additionalInfo.creq })
          ]);
          box.appendChild(frame);
          box.appendChild(form);
          form.submit();
        }
        if (callbacks.onReady) setTimeout(callbacks.onReady, 0);
        return { unmount: function () { container.innerHTML = ""; } };
      }, function (e) { return fail(e.message || "payment not found", "payment_not_found"); });
  }

  window.MercadoPago = MercadoPago;
})();
