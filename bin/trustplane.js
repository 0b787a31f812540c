#!/usr/bin/env node
// Runs the TypeScript sources directly: Node.js 24 strips types natively (24.9 adds what the
// certificate reader needs from node:crypto).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 9)) {
  process.stderr.write(`trustplane needs Node.js 24.9 or later; this is ${process.version}\n`);
  process.exit(1);
}
await import('../src/cli/main.ts');
