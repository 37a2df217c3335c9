import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lifecycleDiagram } from '../workflows/model/lifecycle.js';

/** `npm run docs:lifecycle`: writes the diagram of workflows/model/lifecycle.ts into docs/spec.md. */
const specPath = join(import.meta.dirname, '..', 'docs', 'spec.md');
const spec = readFileSync(specPath, 'utf8');
const block = /```mermaid\nstateDiagram-v2\n[\s\S]*?\n```/;
if (!block.test(spec)) throw new Error('docs/spec.md has no ```mermaid stateDiagram-v2 block to replace');
writeFileSync(specPath, spec.replace(block, lifecycleDiagram()));
console.log('docs/spec.md: lifecycle diagram written from workflows/model/lifecycle.ts');
