import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecords } from './csv-records.ts';

const records = (text: string) => [...csvRecords(text)];
const fieldsOf = (text: string) => records(text).map((record) => (record.ok ? record.fields : record.message));

describe('csvRecords (RFC 4180)', () => {
  it('splits plain records and skips blank lines', () => {
    assert.deepEqual(fieldsOf('a,b,c\n\n1,2,3\n\n'), [['a', 'b', 'c'], ['1', '2', '3']]);
    assert.deepEqual(fieldsOf('a,b\n1,2'), [['a', 'b'], ['1', '2']]);
  });

  it('keeps empty fields, also a trailing one', () => {
    assert.deepEqual(fieldsOf(',,\na,,\na,b,'), [['', '', ''], ['a', '', ''], ['a', 'b', '']]);
  });

  it('reads quoted fields with commas, line breaks, doubled quotes and spaces around them', () => {
    assert.deepEqual(fieldsOf('"a, b","line 1\nline 2","say ""hi""" , "" \nnext'), [['a, b', 'line 1\nline 2', 'say "hi"', ''], ['next']]);
  });

  it('stops at a quote that is never closed', () => {
    assert.deepEqual(fieldsOf('a,b\n1,"2\n3,4\n'), [['a', 'b'], 'a quoted field is never closed; the file may be cut short']);
  });

  it('stops at a quote inside an unquoted field or text after a closing quote', () => {
    const message = 'a field is quoted wrongly; enclose the whole field in double quotes and double any quote inside it';
    assert.deepEqual(fieldsOf('a,b"c\n'), [message]);
    assert.deepEqual(fieldsOf('"a"b,c\n'), [message]);
  });
});
