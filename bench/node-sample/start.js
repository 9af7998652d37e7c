// Runs Mercado Pago's sample (index.js, as published) against the emulator at MP_BASE: the
// SDK's one base URL is the only thing changed, so the sample does exactly what it does in
// production. It listens on 8080, as written.
const configurations = require("mercadopago/lib/configurations");
configurations.getBaseUrl = () => process.env.MP_BASE;
require("./index.js");
