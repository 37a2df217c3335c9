import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lifecycleDiagram } from '../workflows/lifecycle.js';

/** `npm run docs:lifecycle`: writes the diagram of workflows/lifecycle.ts into the README. */
const readmePath = join(import.meta.dirname, '..', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const block = /```mermaid\nstateDiagram-v2\n[\s\S]*?\n```/;
if (!block.test(readme)) throw new Error('README.md has no ```mermaid stateDiagram-v2 block to replace');
writeFileSync(readmePath, readme.replace(block, lifecycleDiagram()));
console.log('README.md: lifecycle diagram written from workflows/lifecycle.ts');
