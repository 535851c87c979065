'use strict';
// Unit and node tests run in-process; TypeScript is loaded through tsx. No default spec here: `npm test`
// names 'test/**/*.test.ts' (interop suites skip visibly without Mosquitto), and `npx mocha <files>` runs
// just those files.
module.exports = {
  'node-option': ['import=tsx'],
  timeout: 10000,
  reporter: 'dot',
};
