import { startUiGate, uiGateOptionsFromEnv } from './ui-gate.js';

/** `node --import tsx gate/main.ts`: the gate in front of the Web UI server (docker-compose.yml). */
let options: ReturnType<typeof uiGateOptionsFromEnv>;
try {
  options = uiGateOptionsFromEnv(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const gate = await startUiGate(options);
console.log(
  `UI gate on ${gate.url}, in front of the Web UI server at ${options.upstream.host}:${options.upstream.port}`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    gate.stop().then(() => process.exit(0));
  });
}
