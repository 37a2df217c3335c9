// Run by `npm start`, `npm run worker` and `npm run api` as a process of its own before the
// engine: an older Node fails on the engine's first import with a stack that names no cause (or,
// before 20.6, on `--import` itself). So this file stays CommonJS in ES5 without `node:` imports,
// which any Node runs.
var required = Number(/\d+/.exec(require('../package.json').engines.node)[0]);
var running = Number(process.versions.node.split('.')[0]);
if (running < required) {
  process.stderr.write(
    'trade-escrow needs Node.js ' +
      required +
      ' or newer, this is ' +
      process.version +
      ': install it with `nvm install` (reads .nvmrc) or from https://nodejs.org, then run the command again' +
      ' (.ci/run fetches Node.js ' +
      required +
      ' itself)\n',
  );
  process.exit(1);
}
