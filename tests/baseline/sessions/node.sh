#!/bin/bash
# A node project: npm scripts (build, test), no dependencies, offline.
set -eu
cd "$1"
n=${2:-1}
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false \
	npm_config_fund=false npm_config_audit=false npm_config_offline=true
cat > package.json <<'JSON'
{
  "name": "demo",
  "version": "1.0.0",
  "private": true,
  "scripts": {
    "build": "node build.js",
    "test": "node --test test/"
  }
}
JSON
mkdir -p src test
cat > src/sum.js <<'JS'
module.exports = (xs) => xs.reduce((a, b) => a + b, 0);
JS
cat > build.js <<'JS'
const fs = require('fs');
fs.mkdirSync('dist', { recursive: true });
fs.copyFileSync('src/sum.js', 'dist/sum.js');
console.log('built');
JS
cat > test/sum.test.js <<JS
const test = require('node:test');
const assert = require('node:assert');
const sum = require('../src/sum.js');
test('sum', () => assert.strictEqual(sum([1, 2, $n]), $((3 + n))));
JS
npm run build
npm test
