/**
 * What a run started, stopped however the run ends: in the reverse order of starting (the API and
 * the worker before the servers they use), each once, though Ctrl-C and the end of the run may
 * both ask.
 */
export class Teardown {
  readonly #stops: (() => Promise<unknown>)[] = [];

  add(stop: () => Promise<unknown>): void {
    this.#stops.push(stop);
  }

  /** A stop that fails keeps none of the others from running. */
  async run(): Promise<void> {
    for (let stop = this.#stops.pop(); stop; stop = this.#stops.pop()) await stop().catch(() => {});
  }
}
