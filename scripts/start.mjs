// `npm start`: builds the package and runs Node-RED with it. Filled in by the nodes issue; until then it
// says what is coming.
console.log('node-red-contrib-mqtt-kit: the Node-RED nodes are not built yet (codec and engine first).');
console.log('Run `npm test` to run the test suites, `npm run bench` for the benchmarks.');
