// How commands print: a plain table or text for people, one JSON document with --json for programs.

export type Output = {
  readonly json: boolean;
  /** Prints `value` as JSON with --json, or calls `human` to print for people. */
  result(value: unknown, human: () => void): void;
  line(text?: string): void;
  table(rows: readonly (readonly string[])[], header: readonly string[]): void;
};

const width = (text: string): number => [...text].length;

export const formatTable = (rows: readonly (readonly string[])[], header: readonly string[]): string => {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => width(row[column] ?? ''))));
  const render = (row: readonly string[]) => row.map((cell, column) =>
    column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
};

export const createOutput = (json: boolean, write: (text: string) => void = (text) => process.stdout.write(text)): Output => ({
  json,
  result(value, human) {
    if (json) write(`${JSON.stringify(value, null, 2)}\n`);
    else human();
  },
  line(text = '') {
    write(`${text}\n`);
  },
  table(rows, header) {
    write(`${formatTable(rows, header)}\n`);
  },
});
