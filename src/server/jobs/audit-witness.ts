// The witness location: each signed checkpoint leaves the database for a place an administrator of the
// database does not control. A directory gets checkpoint-<size>.note and latest.note (written whole, then
// renamed into place); an http(s) URL gets the note POSTed as text/plain and must answer 2xx.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboxHandler } from './outbox-dispatcher.ts';

const writeWhole = (path: string, text: string): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o644 });
  renameSync(temporary, path);
};

export const auditWitnessHandler = (witness: string): OutboxHandler => async (payload) => {
  const note = payload.note;
  const size = payload.size;
  if (typeof note !== 'string' || typeof size !== 'number') throw new Error('the witness message carries no checkpoint');
  if (/^https?:\/\//.test(witness)) {
    const response = await fetch(witness, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: note, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`the witness at ${witness} answered ${response.status}`);
    return;
  }
  mkdirSync(witness, { recursive: true });
  writeWhole(join(witness, `checkpoint-${size}.note`), note);
  writeWhole(join(witness, 'latest.note'), note);
};
