// danfojs-node asks for @tensorflow/tfjs-node; give it the same tfjs instance the kit uses,
// so tables and models share one engine and one backend.
module.exports = require("@tensorflow/tfjs");
