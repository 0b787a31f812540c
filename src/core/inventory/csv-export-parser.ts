import type { EntriesParse, ImportedCredential } from './parse-result.ts';
import { csvRecords } from './csv-records.ts';
import { collectValues, mapFieldNames } from './metadata-export.ts';
import { readMetadataRow } from './metadata-row.ts';

// A CSV inventory export: a header row naming the fields, then one credential per record. Entries are
// 'header', or 'row N' with N counting data records from 1 after the header; blank lines are not
// counted, so row N is on line N + 1 unless blank lines or quoted line breaks come before it.

const header = 'header';

export const parseCsvExport = (text: string): EntriesParse => {
  const records = csvRecords(text);
  const first = records.next();
  if (first.done === true) return { ok: false, entry: header, message: 'the CSV has no header row' };
  if (!first.value.ok) return { ok: false, entry: header, message: first.value.message };
  const mapping = mapFieldNames(first.value.fields, 'column');
  if (!mapping.ok) return { ok: false, entry: header, message: mapping.message };
  const { fields, names } = mapping;
  const credentials: ImportedCredential[] = [];
  for (const record of records) {
    const entry = `row ${credentials.length + 1}`;
    if (!record.ok) return { ok: false, entry, message: record.message };
    if (record.fields.length !== fields.length) {
      return { ok: false, entry, message: `the row has ${record.fields.length} fields and the header ${fields.length}; quote fields that hold commas` };
    }
    const read = readMetadataRow({ values: collectValues(fields, record.fields), names });
    if (!read.ok) return { ok: false, entry, message: read.message };
    credentials.push({ entry, facts: read.facts });
  }
  if (credentials.length === 0) return { ok: false, entry: header, message: 'the export holds no credentials: there are no rows after the header' };
  return { ok: true, credentials };
};
