#!/usr/bin/env node
// Runs the TypeScript sources directly: Node.js 24 strips types natively.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`trustplane needs Node.js 24 or later; this is ${process.version}\n`);
  process.exit(1);
}
await import('../src/cli/main.ts');
