'use strict';
// Unit and node tests run in-process; TypeScript is loaded through tsx.
// test/interop/ runs only through `npm run test:interop` (it needs a real Mosquitto),
// but its suites also register here and skip with a visible message when Mosquitto is absent.
module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/**/*.test.ts'],
  timeout: 10000,
  reporter: 'dot',
};
