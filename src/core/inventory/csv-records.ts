// Records of RFC 4180 CSV text with LF line ends: fields separated by commas, quoted fields may hold
// commas, line breaks and doubled quotes (""). Blank lines are skipped; spaces around a quoted field
// are allowed. Written for speed (a million rows in well under a second) and for messages that never
// quote the text, which may hold a secret.

export type CsvRecord = { ok: true; fields: string[] } | { ok: false; message: string };

const comma = 0x2c;
const lineFeed = 0x0a;
const quote = 0x22;
const space = 0x20;
const tab = 0x09;

const quotedWrongly = 'a field is quoted wrongly; enclose the whole field in double quotes and double any quote inside it';

export function* csvRecords(text: string): Generator<CsvRecord> {
  const length = text.length;
  let index = 0;
  while (index < length) {
    if (text.charCodeAt(index) === lineFeed) {
      index++;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      let start = index;
      while (text.charCodeAt(start) === space || text.charCodeAt(start) === tab) start++;
      if (text.charCodeAt(start) === quote) {
        let value = '';
        let from = start + 1;
        for (;;) {
          const closing = text.indexOf('"', from);
          if (closing < 0) {
            yield { ok: false, message: 'a quoted field is never closed; the file may be cut short' };
            return;
          }
          value += text.slice(from, closing);
          if (text.charCodeAt(closing + 1) !== quote) {
            index = closing + 1;
            break;
          }
          value += '"';
          from = closing + 2;
        }
        while (text.charCodeAt(index) === space || text.charCodeAt(index) === tab) index++;
        fields.push(value);
      } else {
        let end = index;
        for (let code = text.charCodeAt(end); end < length && code !== comma && code !== lineFeed; code = text.charCodeAt(++end)) {
          if (code === quote) {
            yield { ok: false, message: quotedWrongly };
            return;
          }
        }
        fields.push(text.slice(index, end));
        index = end;
      }
      const next = text.charCodeAt(index);
      if (next === comma) {
        index++;
        continue;
      }
      if (next === lineFeed || index >= length) {
        index++;
        break;
      }
      yield { ok: false, message: quotedWrongly };
      return;
    }
    yield { ok: true, fields };
  }
}
