import { CsvError, parse } from 'csv-parse/sync';
import type { EntriesParse, ImportedCredential } from './parse-result.ts';
import { collectValues, mapFieldNames } from './metadata-export.ts';
import { readMetadataRow } from './metadata-row.ts';

// A CSV inventory export (RFC 4180): a header row naming the fields, then one credential per record.
// Entries are 'header', or 'row N' with N counting data records from 1 after the header; blank lines are
// not counted, so row N is on line N + 1 unless blank lines or quoted line breaks come before it.

const header = 'header';

// csv-parse's messages quote the field where it stopped, which may hold a secret: only the code is used.
const syntaxMessage = (error: CsvError, headerLength: number): string => {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed; the file may be cut short';
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const length = Array.isArray(error.record) ? error.record.length : 'a different number of';
      return `the row has ${length} fields and the header ${headerLength}; quote fields that hold commas`;
    }
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a field is quoted wrongly; enclose the whole field in double quotes and double any quote inside it';
    default:
      return `the CSV cannot be read (${error.code}); export it again as comma-separated values`;
  }
};

type CsvRecords = { records: string[][]; fault?: string };

/**
 * The records before the first syntax fault, and that fault. Rows before it are then checked first, so
 * the failure reported is the first one in the file. Every record has as many fields as the first.
 */
const readRecords = (text: string): CsvRecords => {
  const records: string[][] = [];
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      // Spaces around a quoted field are allowed; values are trimmed later anyway.
      trim: true,
      relax_column_count: false,
      on_record: (record: string[]) => {
        records.push(record);
        return null;
      },
    });
    return { records };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { records, fault: syntaxMessage(error, records[0]?.length ?? 0) };
  }
};

export const parseCsvExport = (text: string): EntriesParse => {
  const { records, fault } = readRecords(text);
  const names = records[0];
  if (names === undefined) return { ok: false, entry: header, message: fault ?? 'the CSV has no header row' };
  const mapping = mapFieldNames(names, 'column');
  if (!mapping.ok) return { ok: false, entry: header, message: mapping.message };
  const credentials: ImportedCredential[] = [];
  for (let index = 1; index < records.length; index++) {
    const entry = `row ${index}`;
    const read = readMetadataRow({ values: collectValues(mapping.fields, records[index]!), names: mapping.names });
    if (!read.ok) return { ok: false, entry, message: read.message };
    credentials.push({ entry, facts: read.facts });
  }
  if (fault !== undefined) return { ok: false, entry: `row ${records.length}`, message: fault };
  if (credentials.length === 0) return { ok: false, entry: header, message: 'the export holds no credentials: there are no rows after the header' };
  return { ok: true, credentials };
};
